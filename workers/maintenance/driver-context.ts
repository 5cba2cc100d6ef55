import type { RedisClient } from '../../store/connection.js'
import type { Logger } from 'pino'
import type { EvacuationRecord } from '../../shared/host-run-state.js'
import type { HostConfig } from '../../shared/types.js'
import { emitRunEvent } from '../../store/events/emit-run-event.js'
import { getHostResourceStates } from '../../store/host/get-host-resource-states.js'
import type { RedisKeys } from '../../store/keys.js'
import type { HostSession } from '../host-executor.js'
import type { DriverContext, VmEvent } from './maintenance-driver.js'

export const emptyEvacuation = (): EvacuationRecord => ({ announced: [], migrated: [] })

/** Pure: the record after one VM event (a VM reported twice keeps its last report). */
export function recordVmEvent(record: EvacuationRecord, e: VmEvent): EvacuationRecord {
  const announced = record.announced.filter((a) => a.vm !== e.vm)
  switch (e.type) {
    case 'vm.migrating':
      return { announced: [...announced, { vm: e.vm, to: e.to }], migrated: record.migrated }
    case 'vm.migrated':
      return {
        announced,
        migrated: [...record.migrated.filter((m) => m.vm !== e.vm), { vm: e.vm, to: e.to, durationMs: e.durationMs }]
      }
    case 'vm.migration-failed':
      return { announced, migrated: record.migrated }
  }
}

export interface DriverContextOptions {
  redis: RedisClient
  keys: RedisKeys
  runId: string
  payload?: string | undefined
  host: HostConfig
  clusterHosts: readonly HostConfig[]
  session: HostSession
  openSession(h: HostConfig): Promise<HostSession>
  logger: Logger
  /** Aborted when the cluster lease is lost. */
  signal: AbortSignal
  record: EvacuationRecord
  /** Persists the record (fenced by the cluster lease); rejects when the lease is lost. */
  save(record: EvacuationRecord): Promise<void>
}

/**
 * The context a maintenance driver runs with inside a host cycle. VM events are recorded in the
 * host's run record before they are published (so a takeover never reports one migration twice),
 * one at a time in the order the driver emitted them.
 */
export async function buildDriverContext(
  o: DriverContextOptions
): Promise<{ ctx: DriverContext; record(): EvacuationRecord }> {
  const others = o.clusterHosts.filter((h) => h.id !== o.host.id).map((h) => h.id)
  const resource = await getHostResourceStates(o.redis, o.keys, others)
  const unavailable = new Set([...resource].filter(([, r]) => r.state !== 'Enabled').map(([id]) => id))
  let record = o.record
  let chain: Promise<void> = Promise.resolve()
  const emit = (e: VmEvent): Promise<void> => {
    const step = chain.then(async () => {
      const next = recordVmEvent(record, e)
      if (e.type !== 'vm.migration-failed') await o.save(next)
      record = next
      await emitVmEvent(o.redis, o.keys, o.runId, e)
    })
    chain = step.catch(() => undefined)
    return step
  }
  const ctx: DriverContext = {
    runId: o.runId,
    payload: o.payload,
    host: o.host,
    clusterHosts: o.clusterHosts,
    unavailableHostIds: unavailable,
    session: o.session,
    openSession: o.openSession,
    emit,
    announced: record.announced,
    migrated: record.migrated,
    logger: o.logger,
    signal: o.signal
  }
  return { ctx, record: () => record }
}

/** A driver's flat event onto the run's stream (`{type, ...data}` → type + data). */
export async function emitVmEvent(redis: RedisClient, keys: RedisKeys, runId: string, e: VmEvent): Promise<void> {
  switch (e.type) {
    case 'vm.migrating': {
      const { type, ...data } = e
      return emitRunEvent(redis, keys, runId, type, data)
    }
    case 'vm.migrated': {
      const { type, ...data } = e
      return emitRunEvent(redis, keys, runId, type, data)
    }
    case 'vm.migration-failed': {
      const { type, ...data } = e
      return emitRunEvent(redis, keys, runId, type, data)
    }
  }
}
