import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostRunState } from '../../shared/host-run-state.js'
import { acquireClusterLease } from '../../store/cluster/acquire-cluster-lease.js'
import { claimMaintenanceSlotIfQuiet } from '../../store/cluster/claim-maintenance-slot.js'
import type { LeaseRef } from '../../store/cluster/lease-ref.js'
import { getHostRunState } from '../../store/host/get-host-run-state.js'
import { initHostRunStates } from '../../store/host/init-host-run-states.js'
import { createRedisKeys } from '../../store/keys.js'
import { PROGRESS_FIELDS } from '../../store/run/run-progress.js'
import { deletePrefix, testRedis, uniquePrefix } from '../support/redis.js'
import type { RedisClient } from '../../store/connection.js'

/**
 * The slot claim that starts a host without the boundary having been read (issue 12: one round
 * trip between two hosts): it is made only while nothing that acts at the boundary has changed,
 * otherwise nothing at all is written (docs/api.md#operator-controls).
 */
const prefix = uniquePrefix('quiet-claim')
const keys = createRedisKeys(prefix)
let redis: RedisClient
let n = 0

beforeAll(() => {
  redis = testRedis()
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

/** A running run with one ready host in its own cluster, the cluster's lease held. */
async function setUp(): Promise<{ runId: string; lease: LeaseRef; base: HostRunState }> {
  const runId = `run-${++n}`
  const clusterId = `c${n}`
  const token = await acquireClusterLease(redis, keys, clusterId, 'w1', 30_000)
  const lease: LeaseRef = { clusterId, token: token!, owner: 'w1' }
  const base: HostRunState = { hostId: `h${n}`, hostName: `h${n}`, clusterId, phase: 'ready' }
  await redis.hset(keys.run(runId), 'status', 'running')
  await initHostRunStates(redis, keys, runId, [base])
  return { runId, lease, base }
}

/** With the stage.started it announces, as the host cycle makes it. */
const claim = (s: { runId: string; lease: LeaseRef; base: HostRunState }) =>
  claimMaintenanceSlotIfQuiet(redis, keys, s.lease, s.runId, { ...s.base, phase: 'PreMaintenance' }, [
    {
      type: 'stage.started',
      data: { hostId: s.base.hostId, hostName: s.base.hostName, clusterId: s.base.clusterId, stage: 'PreMaintenance' }
    }
  ])

/** Nothing written: the host still ready, the slot free, no event appended. */
async function untouched(s: { runId: string; lease: LeaseRef; base: HostRunState }): Promise<void> {
  expect((await getHostRunState(redis, keys, s.runId, s.base.hostId))?.phase).toBe('ready')
  expect(await redis.get(keys.clusterInMaintenance(s.lease.clusterId))).toBeNull()
  expect(await redis.exists(keys.runEvents(s.runId))).toBe(0)
}

describe('claimMaintenanceSlotIfQuiet', () => {
  it('a quiet boundary: the slot is taken and the host recorded, as claimMaintenanceSlot does', async () => {
    const s = await setUp()
    expect(await claim(s)).toEqual({ kind: 'ok' })
    expect((await getHostRunState(redis, keys, s.runId, s.base.hostId))?.phase).toBe('PreMaintenance')
    expect(await redis.get(keys.clusterInMaintenance(s.lease.clusterId))).toBe(s.base.hostId)
    expect(await redis.xlen(keys.runEvents(s.runId))).toBe(1)
  })

  const changes: Array<[string, (s: { runId: string; lease: LeaseRef; base: HostRunState }) => Promise<unknown>]> = [
    ['the run paused', (s) => redis.hset(keys.run(s.runId), 'status', 'paused')],
    ['the run stopped (a failure without forced)', (s) => redis.hset(keys.run(s.runId), 'stopReason', 'failed')],
    ['the run cancelled', (s) => redis.hset(keys.run(s.runId), 'cancelRequested', '1')],
    [
      'the cluster showing a wait',
      (s) => redis.hset(keys.runProgress(s.runId), PROGRESS_FIELDS.clusterWait(s.lease.clusterId), '{}')
    ],
    [
      'the cluster showing a gate in progress',
      (s) => redis.hset(keys.runProgress(s.runId), PROGRESS_FIELDS.clusterGate(s.lease.clusterId), '{}')
    ],
    [
      "the host's record moved on (another worker's write)",
      (s) => redis.hset(keys.runHosts(s.runId), s.base.hostId, JSON.stringify({ ...s.base, phase: 'done' }))
    ]
  ]
  it.each(changes)('%s: answered boundary, nothing written', async (_what, change) => {
    const s = await setUp()
    await change(s)
    expect(await claim(s)).toEqual({ kind: 'boundary' })
    if (_what.startsWith("the host's record")) {
      expect(await redis.get(keys.clusterInMaintenance(s.lease.clusterId))).toBeNull()
      expect(await redis.exists(keys.runEvents(s.runId))).toBe(0)
    } else await untouched(s)
  })

  it('a lost lease is still answered first', async () => {
    const s = await setUp()
    await redis.hset(keys.run(s.runId), 'status', 'paused')
    expect(await claimMaintenanceSlotIfQuiet(redis, keys, { ...s.lease, token: '0' }, s.runId, s.base)).toEqual({
      kind: 'lease-lost'
    })
  })
})
