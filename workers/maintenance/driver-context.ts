import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { HostConfig } from '../../shared/types.js'
import { emitRunEvent } from '../../store/events/emit-run-event.js'
import { getHostResourceStates } from '../../store/host/get-host-resource-states.js'
import type { RedisKeys } from '../../store/keys.js'
import type { HostSession } from '../host-executor.js'
import type { DriverContext, Migration, VmEvent } from './maintenance-driver.js'

/** What a host's evacuation has done so far, kept in its run record so a takeover knows. */
export interface EvacuationRecord {
  /** vm.migrating announced, outcome not seen yet. */
  announced: Array<{ vm: string; to: string }>
  migrated: Migration[]
}

export const emptyEvacuation = (): EvacuationRecord => ({ announced: [], migrated: [] })

/** Pure: the record after one VM event (a VM reported twice keeps its last report). */
export function recordVmEvent(record: EvacuationRecord, e: VmEvent): EvacuationRecord {
  const announced = record.announced.filter((a) => a.vm !== e.vm)
  switch (e.type) {
    case 'vm.migrating':
      return { announced: [...announced, { vm: e.vm, to: e.to }], migrated: record.migrated }
    case 'vm.migrated':
      return { announced, migrated: [...record.migrated.filter((m) => m.vm !== e.vm), { vm: e.vm, to: e.to, durationMs: e.durationMs }] }
    case 'vm.migration-failed':
      return { announced, migrated: record.migrated }
  }
}

export interface DriverContextOptions {
  redis: Redis
  keys: RedisKeys
  runId: string
  payload?: string | undefined
  host: HostConfig
  clusterHosts: readonly HostConfig[]
  session: HostSession
  openSession(h: HostConfig): Promise<HostSession>
  logger: Logger
  /** Polled: once true, the driver's signal is aborted. */
  leaseLost(): boolean
  record: EvacuationRecord
  /** Persists the record (fenced by the cluster lease); rejects when the lease is lost. */
  save(record: EvacuationRecord): Promise<void>
}

/**
 * The context a maintenance driver runs with inside a host cycle. VM events are recorded in the
 * host's run record before they are published (so a takeover never reports one migration twice),
 * one at a time in the order the driver emitted them.
 */
export async function buildDriverContext(o: DriverContextOptions): Promise<{ ctx: DriverContext; record(): EvacuationRecord; dispose(): void }> {
  const others = o.clusterHosts.filter((h) => h.id !== o.host.id).map((h) => h.id)
  const resource = await getHostResourceStates(o.redis, o.keys, others)
  const unavailable = new Set([...resource].filter(([, r]) => r.state !== 'Enabled').map(([id]) => id))
  const abort = new AbortController()
  const timer = setInterval(() => {
    if (o.leaseLost()) abort.abort()
  }, 250)
  timer.unref()
  let record = o.record
  let chain: Promise<void> = Promise.resolve()
  const emit = (e: VmEvent): Promise<void> => {
    const step = chain.then(async () => {
      const next = recordVmEvent(record, e)
      if (e.type !== 'vm.migration-failed') await o.save(next)
      record = next
      const { type, ...data } = e
      await emitRunEvent(o.redis, o.keys, o.runId, type, data)
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
    signal: abort.signal,
  }
  return { ctx, record: () => record, dispose: () => clearInterval(timer) }
}
