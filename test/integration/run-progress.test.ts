import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteRunRecord } from '../../store/run/delete-run-record.js'
import { createRunRecord } from '../../store/run/create-run-record.js'
import {
  HOST_PHASES,
  type HostIdentity,
  type HostPhase,
  type HostRunState,
  type HostSkippedRecord,
  type HostUpdatedRecord
} from '../../shared/host-run-state.js'
import { createRedisKeys } from '../../store/keys.js'
import { getRunSummary } from '../../store/run/get-run-summary.js'
import { acquireClusterLease } from '../../store/cluster/acquire-cluster-lease.js'
import { claimMaintenanceSlot } from '../../store/cluster/claim-maintenance-slot.js'
import { exitMaintenance, exitMaintenanceUpdated } from '../../store/cluster/exit-maintenance.js'
import { getHostRunState } from '../../store/host/get-host-run-state.js'
import { finishRun } from '../../store/run/finish-run.js'
import { initHostRunStates } from '../../store/host/init-host-run-states.js'
import type { LeaseRef } from '../../store/cluster/lease-ref.js'
import { saveHostRunState } from '../../store/host/save-host-run-state.js'
import { setHostResourceState } from '../../store/host/set-host-resource-state.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'

const prefix = uniquePrefix('progress')
const keys = createRedisKeys(prefix)
let redis: Redis

beforeAll(() => {
  redis = new Redis(testRedisUrl())
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

const CYCLE = new Set(['PreMaintenance', 'EnterMaintenance', 'Maintenance', 'ExitMaintenance', 'PostMaintenance'])

/** Any phase with any records: the walk below writes combinations the cycle never makes, on purpose. */
type LooseRecord = HostIdentity & {
  phase: HostPhase
  updated?: HostUpdatedRecord | undefined
  skipped?: HostSkippedRecord | undefined
}
const asRecords = (hosts: LooseRecord[]): HostRunState[] => hosts as HostRunState[]

/** What the counters must say, recounted from the host records themselves. */
function recount(hosts: LooseRecord[]): Record<string, string> {
  const out: Record<string, number> = {}
  const inc = (f: string): void => void (out[f] = (out[f] ?? 0) + 1)
  for (const h of hosts) {
    if (h.phase === 'done') {
      inc('done')
      inc(`done:${h.clusterId}`)
    }
    if (h.updated) inc('updated')
    if (h.skipped) inc('skipped')
    if (h.phase === 'PreFlight') inc(`preflight:${h.clusterId}`)
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, String(v)]))
}

/** The counter fields of the stored hash (a counter back at 0 is removed, so none is 0). */
async function storedCounters(
  runId: string
): Promise<{ counts: Record<string, string>; active: Record<string, { h: string; p: string }> }> {
  const hash = await redis.hgetall(keys.runProgress(runId))
  const counts: Record<string, string> = {}
  const active: Record<string, { h: string; p: string }> = {}
  for (const [k, v] of Object.entries(hash)) {
    if (k.startsWith('active:')) active[k.slice('active:'.length)] = JSON.parse(v) as { h: string; p: string }
    else if (k !== 'hosts' && !k.startsWith('total:')) counts[k] = v
  }
  return { counts, active }
}

describe('run progress counters kept by the host-record scripts', () => {
  it('after 400 random host-record writes the counters equal a recount of the records', async () => {
    const runId = 'walk'
    const clusters = ['c1', 'c2', 'c3']
    const hosts: LooseRecord[] = clusters.flatMap((c) =>
      [1, 2, 3, 4].map((i) => ({
        hostId: `${c}-h${i}`,
        hostName: `${c}-h${i}`,
        clusterId: c,
        phase: 'pending' as HostPhase
      }))
    )
    // some hosts start done (host checks with `forced`), as the run job writes them
    hosts[0] = { ...hosts[0]!, phase: 'done', skipped: { reason: 'disabled', seq: 1 } }
    await initHostRunStates(redis, keys, runId, asRecords(hosts))
    // a resumed run job writes its first records again: nothing may move
    await initHostRunStates(redis, keys, runId, asRecords(hosts.map((h) => ({ ...h, phase: 'done' }))))
    expect((await storedCounters(runId)).counts).toEqual(recount(hosts))

    // a deterministic pseudo-random walk (a small LCG), so a failure can be replayed
    let seed = 12345
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const phases: readonly HostPhase[] = HOST_PHASES
    for (let step = 0; step < 400; step++) {
      const i = rand(hosts.length)
      const next: LooseRecord = { ...hosts[i]!, phase: phases[rand(phases.length)]! }
      next.updated = rand(3) === 0 ? { startdate: 's', enddate: 'e', output: 'o', seq: step } : undefined
      next.skipped = rand(4) === 0 ? { reason: 'r', seq: step } : undefined
      hosts[i] = next
      await saveHostRunState(redis, keys, runId, next as HostRunState)
      const { counts, active } = await storedCounters(runId)
      expect(counts, `after step ${step}`).toEqual(recount(hosts))
      // the active entry, when present, names a host of that cluster that is in its cycle now
      for (const [cluster, a] of Object.entries(active)) {
        const h = hosts.find((x) => x.hostId === a.h)
        expect(h?.clusterId, `after step ${step}`).toBe(cluster)
        expect(h?.phase, `after step ${step}`).toBe(a.p)
        expect(CYCLE.has(a.p)).toBe(true)
      }
    }
  })

  it('a host cycle through the fenced scripts: the active host and its stage follow it, done counts at the end', async () => {
    const runId = 'cycle'
    const owner = 'worker-1'
    const token = await acquireClusterLease(redis, keys, 'cx', owner, 30_000)
    const lease: LeaseRef = { clusterId: 'cx', token: token!, owner }
    const base = { hostId: 'hx', hostName: 'hx', clusterId: 'cx' }
    const ok = { kind: 'ok' }
    await initHostRunStates(redis, keys, runId, [{ ...base, phase: 'ready' }])
    const activeOf = async (): Promise<unknown> => (await storedCounters(runId)).active.cx

    expect(await saveHostRunState(redis, keys, runId, { ...base, phase: 'PreMaintenance' }, lease)).toEqual(ok)
    expect(await activeOf()).toEqual({ h: 'hx', p: 'PreMaintenance' })
    expect(await claimMaintenanceSlot(redis, keys, lease, runId, { ...base, phase: 'EnterMaintenance' })).toEqual(ok)
    expect(await activeOf()).toEqual({ h: 'hx', p: 'EnterMaintenance' })
    expect(
      await setHostResourceState(redis, keys, lease, runId, 'Maintenance', {
        ...base,
        phase: 'Maintenance',
        startdate: 's'
      })
    ).toEqual(ok)
    expect(await activeOf()).toEqual({ h: 'hx', p: 'Maintenance' })
    const updated = { startdate: 's', enddate: 'e', output: 'o', seq: 1 }
    expect(await exitMaintenance(redis, keys, lease, runId, { ...base, phase: 'PostMaintenance', updated })).toEqual(ok)
    expect(await activeOf()).toEqual({ h: 'hx', p: 'PostMaintenance' })
    expect(await saveHostRunState(redis, keys, runId, { ...base, phase: 'done', updated }, lease)).toEqual(ok)
    expect(await storedCounters(runId)).toEqual({ counts: { done: '1', 'done:cx': '1', updated: '1' }, active: {} })

    // a writer without the lease changes neither the record nor the counters
    const stale: LeaseRef = { ...lease, token: '0' }
    expect(
      await saveHostRunState(redis, keys, runId, { ...base, phase: 'Maintenance', startdate: 's' }, stale)
    ).toEqual({ kind: 'lease-lost' })
    expect(await storedCounters(runId)).toEqual({ counts: { done: '1', 'done:cx': '1', updated: '1' }, active: {} })
  })

  it('leaving maintenance mode updated takes the run seq in the same write; a refused write takes none', async () => {
    const runId = 'seq-run'
    const owner = 'worker-1'
    const token = await acquireClusterLease(redis, keys, 'cs', owner, 30_000)
    const lease: LeaseRef = { clusterId: 'cs', token: token!, owner }
    const base = { hostId: 'hs', hostName: 'hs', clusterId: 'cs' }
    await initHostRunStates(redis, keys, runId, [{ ...base, phase: 'ready' }])
    await redis.hset(keys.run(runId), 'seq', '4')
    expect(await claimMaintenanceSlot(redis, keys, lease, runId, { ...base, phase: 'PreMaintenance' })).toEqual({
      kind: 'ok'
    })
    // Output that spells the marker, quotes included, stays as it is: in a JSON string they are escaped.
    const output = 'x "seq":"\u0000run-seq" \u0000run-seq "seq":0 y'
    const updated = { startdate: 's', enddate: 'e', output, seq: 0 }
    const stale: LeaseRef = { ...lease, token: '0' }
    const refused = await exitMaintenanceUpdated(redis, keys, stale, runId, {
      ...base,
      phase: 'PostMaintenance',
      updated
    })
    expect(refused.write).toEqual({ kind: 'lease-lost' })
    expect(await redis.hget(keys.run(runId), 'seq')).toBe('4')

    const r = await exitMaintenanceUpdated(redis, keys, lease, runId, { ...base, phase: 'PostMaintenance', updated })
    expect(r.write).toEqual({ kind: 'ok' })
    expect(r.state.updated).toEqual({ ...updated, seq: 5 })
    expect(await getHostRunState(redis, keys, runId, 'hs')).toEqual(r.state)
    expect(await redis.hget(keys.run(runId), 'seq')).toBe('5')
    expect(await redis.get(keys.clusterInMaintenance('cs'))).toBeNull()
    expect(await redis.hget(keys.host('hs'), 'state')).toBe('Enabled')
  })

  it('a new run starts with its totals; finishing starts their retention clock; undoing a run removes them', async () => {
    const record = {
      id: 'r1',
      status: 'queued' as const,
      request: { zoneids: [], podids: [], clusterids: ['k1', 'k2'], hostids: [], forced: false },
      createdAt: new Date().toISOString(),
      hostIds: ['a', 'b', 'c'],
      clusterIds: ['k1', 'k2']
    }
    expect(await createRunRecord(redis, keys, record, ['k1', 'k1', 'k2'])).toEqual([])
    const summary = await getRunSummary(redis, keys, 'r1')
    expect(summary?.progress).toMatchObject({ hosts: 3, done: 0 })
    expect(summary?.progress.clusters.get('k1')).toMatchObject({ total: 2, done: 0 })
    expect(summary?.progress.clusters.get('k2')).toMatchObject({ total: 1, done: 0 })

    const result = { rollingmaintenance: { details: 'OK', hostsskipped: [], hostsupdated: [], success: true } }
    expect(await finishRun(redis, keys, record, 'succeeded', result, 7)).toBe(true)
    const ttl = await redis.ttl(keys.runProgress('r1'))
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60)

    await deleteRunRecord(redis, keys, 'r1', record.clusterIds)
    expect(await redis.exists(keys.runProgress('r1'))).toBe(0)
  })

  it('a run of 10,000 hosts over 1,000 clusters: totals written in one step, summary read without the host list', async () => {
    const hostIds = Array.from({ length: 10_000 }, (_, i) => `h${i}`)
    const clusterOf = hostIds.map((_, i) => `k${Math.floor(i / 10)}`)
    const clusterIds = [...new Set(clusterOf)]
    const record = {
      id: 'big',
      status: 'queued' as const,
      request: { zoneids: [], podids: [], clusterids: [], hostids: [], forced: false },
      createdAt: new Date().toISOString(),
      hostIds,
      clusterIds
    }
    expect(await createRunRecord(redis, keys, record, clusterOf)).toEqual([])
    const summary = await getRunSummary(redis, keys, 'big')
    expect(summary?.progress.hosts).toBe(10_000)
    expect(summary?.progress.clusters.size).toBe(1_000)
    expect([...summary!.progress.clusters.values()].every((c) => c.total === 10)).toBe(true)
    await deleteRunRecord(redis, keys, 'big', clusterIds)
  })
})
