import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunEventType } from '../../shared/run-event.js'
import { acquireClusterLease } from '../../store/cluster/acquire-cluster-lease.js'
import { claimMaintenanceSlot } from '../../store/cluster/claim-maintenance-slot.js'
import { exitMaintenanceUpdated } from '../../store/cluster/exit-maintenance.js'
import type { LeaseRef } from '../../store/cluster/lease-ref.js'
import { appendEvents } from '../../store/events/append-events.js'
import { addEventSink } from '../../store/events/event-sinks.js'
import type { EventWithWrite } from '../../store/events/events-with-write.js'
import { initHostRunStates } from '../../store/host/init-host-run-states.js'
import { saveHostRunState } from '../../store/host/save-host-run-state.js'
import { setHostResourceState } from '../../store/host/set-host-resource-state.js'
import { createRedisKeys } from '../../store/keys.js'
import { histogramArgs } from '../../store/metrics/record-stage-duration.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'

// Issue 12: a step's events are appended by the Lua script of its write (one call, not two), and
// only when the write is made.
const prefix = uniquePrefix('evwrite')
const keys = createRedisKeys(prefix)
let redis: Redis
const sunk: Array<{ id: string; type: RunEventType; data: unknown }> = []
let removeSink: () => void

beforeAll(() => {
  redis = new Redis(testRedisUrl())
  removeSink = addEventSink(keys.bullPrefix, async (e) => void sunk.push(e))
})
afterAll(async () => {
  removeSink()
  redis.disconnect()
  await deletePrefix(prefix)
})

const base = { hostId: 'h1', hostName: 'h1', clusterId: 'c1' }
const started = (stage: 'PreMaintenance' | 'Maintenance' | 'PostMaintenance'): EventWithWrite => ({
  type: 'stage.started',
  data: { ...base, stage }
})
async function stream(runId: string): Promise<Array<{ id: string; type: string; data: Record<string, unknown> }>> {
  const entries = (await redis.xrange(keys.runEvents(runId), '-', '+')) as Array<[string, string[]]>
  return entries.map(([id, f]) => ({ id, type: f[1]!, data: JSON.parse(f[3]!) as Record<string, unknown> }))
}

describe('events appended with a write', () => {
  it('the slot claim, maintenance entry and release append theirs; host.updated carries the seq the release takes', async () => {
    const runId = 'ev-cycle'
    const token = await acquireClusterLease(redis, keys, 'c1', 'w1', 30_000)
    const lease: LeaseRef = { clusterId: 'c1', token: token!, owner: 'w1' }
    await initHostRunStates(redis, keys, runId, [{ ...base, phase: 'ready' }])
    await redis.hset(keys.run(runId), 'seq', '2')
    sunk.length = 0

    expect(
      await claimMaintenanceSlot(redis, keys, lease, runId, { ...base, phase: 'PreMaintenance' }, [
        started('PreMaintenance')
      ])
    ).toEqual({ kind: 'ok' })
    expect(
      await setHostResourceState(
        redis,
        keys,
        lease,
        runId,
        'Maintenance',
        { ...base, phase: 'Maintenance', startdate: 's' },
        [started('Maintenance')]
      )
    ).toEqual({ kind: 'ok' })
    const updated = { startdate: 's', enddate: 'e', output: 'o', seq: 0 }
    const r = await exitMaintenanceUpdated(
      redis,
      keys,
      lease,
      runId,
      { ...base, phase: 'PostMaintenance', updated },
      (record) => [{ type: 'host.updated', data: { ...base, ...record.updated } }, started('PostMaintenance')]
    )
    expect(r.state.updated.seq).toBe(3)

    const events = await stream(runId)
    expect(events.map((e) => `${e.type}:${String(e.data.stage ?? e.data.seq)}`)).toEqual([
      'stage.started:PreMaintenance',
      'stage.started:Maintenance',
      'host.updated:3',
      'stage.started:PostMaintenance'
    ])
    // The sinks (webhooks) get each one with its stream id and the data as stored.
    expect(sunk.map((e) => e.id)).toEqual(events.map((e) => e.id))
    expect(sunk[2]!.data).toEqual(events[2]!.data)
  })

  it('a write that is refused (lease lost, slot busy) appends nothing', async () => {
    const runId = 'ev-refused'
    const token = await acquireClusterLease(redis, keys, 'c2', 'w1', 30_000)
    const lease: LeaseRef = { clusterId: 'c2', token: token!, owner: 'w1' }
    const other = { hostId: 'h2', hostName: 'h2', clusterId: 'c2' }
    const mine = { hostId: 'h3', hostName: 'h3', clusterId: 'c2' }
    await initHostRunStates(redis, keys, runId, [
      { ...other, phase: 'ready' },
      { ...mine, phase: 'ready' }
    ])
    const stale: LeaseRef = { ...lease, token: '0' }
    const ev: EventWithWrite[] = [{ type: 'stage.started', data: { ...mine, stage: 'PreMaintenance' } }]
    expect(await claimMaintenanceSlot(redis, keys, stale, runId, { ...mine, phase: 'PreMaintenance' }, ev)).toEqual({
      kind: 'lease-lost'
    })
    expect(await claimMaintenanceSlot(redis, keys, lease, runId, { ...other, phase: 'PreMaintenance' })).toEqual({
      kind: 'ok'
    })
    expect(await claimMaintenanceSlot(redis, keys, lease, runId, { ...mine, phase: 'PreMaintenance' }, ev)).toEqual({
      kind: 'busy',
      holder: 'h2'
    })
    expect(await saveHostRunState(redis, keys, runId, { ...mine, phase: 'PreMaintenance' }, stale, ev)).toEqual({
      kind: 'lease-lost'
    })
    expect(await stream(runId)).toEqual([])
    // Made, it appends them (PreFlight's mark has no lease).
    expect(await saveHostRunState(redis, keys, runId, { ...mine, phase: 'PreFlight' }, undefined, ev)).toEqual({
      kind: 'ok'
    })
    expect((await stream(runId)).map((e) => e.type)).toEqual(['stage.started'])
  })

  it('a stage.finished counts its stage in the duration histogram, with a write or on its own', async () => {
    const runId = 'ev-finished'
    await initHostRunStates(redis, keys, runId, [{ ...base, phase: 'ready' }])
    const finished = (stage: 'PreFlight' | 'PostMaintenance', seconds: number): EventWithWrite => {
      const [prefix, secs, part] = histogramArgs(stage, 'ok', seconds)
      return {
        type: 'stage.finished',
        data: { ...base, stage, result: 'exited', exitCode: 0, durationMs: seconds * 1000 },
        histogram: [String(prefix), Number(secs), String(part)]
      }
    }
    expect(
      await saveHostRunState(redis, keys, runId, { ...base, phase: 'ready' }, undefined, [finished('PreFlight', 0.2)])
    ).toEqual({ kind: 'ok' })
    await appendEvents(redis, keys, runId, [finished('PostMaintenance', 3)])
    const h = await redis.hgetall(keys.metricsStageDurations())
    expect(h['PreFlight|ok|count']).toBe('1')
    expect(Number(h['PreFlight|ok|sum'])).toBeCloseTo(0.2)
    expect(h['PostMaintenance|ok|count']).toBe('1')
    expect((await stream(runId)).map((e) => `${e.type}:${String(e.data.stage)}`)).toEqual([
      'stage.finished:PreFlight',
      'stage.finished:PostMaintenance'
    ])
  })
})
