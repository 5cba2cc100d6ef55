import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReplicaAckError } from '../../shared/errors/replica-ack-error.js'
import { acquireClusterLease } from '../../store/cluster/acquire-cluster-lease.js'
import { claimMaintenanceSlot } from '../../store/cluster/claim-maintenance-slot.js'
import { exitMaintenance } from '../../store/cluster/exit-maintenance.js'
import { renewClusterLease } from '../../store/cluster/renew-cluster-lease.js'
import type { RedisClient } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { resolveMinReplicas, setReplicaAckPolicy } from '../../store/replica-ack.js'
import { holdClusterLease } from '../../workers/hold-cluster-lease.js'
import { takeLease } from '../support/fenced-cycle.js'
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../support/redis.js'

// The suite's Redis has no replica: a write that must reach one is never confirmed there, which is
// exactly the case a worker must not act on (docs/operations.md#redis-high-availability).
const prefix = uniquePrefix('replica-ack')
const keys = createRedisKeys(prefix)
let client: RedisClient
let redis: RedisClient
const logger = pino({ level: 'silent' })

beforeAll(() => {
  client = testRedis()
  redis = client
})
afterAll(async () => {
  client.disconnect()
  await deletePrefix(prefix)
})

describe('guarded writes wait for replica acknowledgement (docs/operations.md#redis-high-availability)', () => {
  it('auto on a single Redis without replicas needs none; an explicit number is kept', async () => {
    expect(await resolveMinReplicas(client, { mode: 'single', url: testRedisUrl() }, 'auto')).toBe(0)
    expect(await resolveMinReplicas(client, { mode: 'single', url: testRedisUrl() }, 2)).toBe(2)
  })

  it('an unconfirmed lease, renewal, slot claim or release is not held: ReplicaAckError naming what and how many', async () => {
    setReplicaAckPolicy(client, { minReplicas: 0, timeoutMs: 0 })
    const lease = await takeLease(client, keys, 'c1', 'w1')
    const state = { hostId: 'h1', hostName: 'h1', clusterId: 'c1', phase: 'PreMaintenance' as const }

    setReplicaAckPolicy(client, { minReplicas: 1, timeoutMs: 50 })
    const started = Date.now()
    const err = await acquireClusterLease(redis, keys, 'c1', 'w1', 30_000).catch((e: unknown) => e)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(err).toBeInstanceOf(ReplicaAckError)
    expect((err as ReplicaAckError).message).toMatch(
      /replicas did not confirm the cluster c1 lease write within 50 ms \(0 of 1\).*ROLLMAINT_REDIS_MIN_REPLICAS/
    )
    await expect(renewClusterLease(redis, keys, 'c1', lease, 30_000)).rejects.toThrow(/lease renewal/)
    await expect(claimMaintenanceSlot(redis, keys, lease, 'r1', state)).rejects.toThrow(
      /maintenance slot claim of cluster c1/
    )
    await expect(
      exitMaintenance(redis, keys, lease, 'r1', {
        ...state,
        phase: 'PostMaintenance',
        updated: { startdate: 's', enddate: 'e', output: '', seq: 1 }
      })
    ).rejects.toThrow(/maintenance slot release of cluster c1/)
    // A refused write (someone else's lease) needs no acknowledgement: it answers as before.
    expect(await acquireClusterLease(redis, keys, 'c1', 'w2', 30_000)).toBeUndefined()
    expect(await claimMaintenanceSlot(redis, keys, { ...lease, token: '0' }, 'r1', state)).toEqual({
      kind: 'lease-lost'
    })
  })

  it('a worker waits while its lease write is unconfirmed, and gives up a lease whose renewal is unconfirmed', async () => {
    setReplicaAckPolicy(client, { minReplicas: 1, timeoutMs: 20 })
    const deps = { redis, keys, ttlMs: 1000, logger }
    await expect(holdClusterLease(deps, 'c2', 'w1', AbortSignal.timeout(400))).rejects.toThrow(/abort|timeout/i)

    setReplicaAckPolicy(client, { minReplicas: 0, timeoutMs: 0 })
    const held = await holdClusterLease(deps, 'c3', 'w1')
    expect(held.lost).toBe(false)
    setReplicaAckPolicy(client, { minReplicas: 1, timeoutMs: 20 })
    const deadline = Date.now() + 3000
    while (!held.lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(held.lost).toBe(true)
    setReplicaAckPolicy(client, { minReplicas: 0, timeoutMs: 0 })
    await held.release()
  })
})
