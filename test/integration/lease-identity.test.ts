import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisClient } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { clusterLeaseOwner, holdClusterLease } from '../../workers/hold-cluster-lease.js'
import { deletePrefix, testRedis, uniquePrefix } from '../support/redis.js'

// Issue 11, item 9: a cluster job stalled past its lock is handed back by BullMQ, possibly to the
// same worker. The new attempt must not inherit the stalled one's lease (and fencing token).
const prefix = uniquePrefix('lease-identity')
const keys = createRedisKeys(prefix)
let redis: RedisClient
const deps = () => ({ redis, keys, ttlMs: 2000, logger: pino({ level: 'silent' }) })

beforeAll(() => {
  redis = testRedis()
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

describe('a lease belongs to one attempt of a job, not to the worker and job id', () => {
  it('a second attempt of the same job on the same worker waits for the first to let go, then gets a new token', async () => {
    const first = await holdClusterLease(deps(), 'c1', clusterLeaseOwner('worker-a', 'run-1:cluster:0'))
    // The same worker runs the same job again (BullMQ handed the stalled job back).
    const again = holdClusterLease(
      deps(),
      'c1',
      clusterLeaseOwner('worker-a', 'run-1:cluster:0'),
      AbortSignal.timeout(700)
    )
    await expect(again).rejects.toThrow(/aborted|timeout/i)
    expect(first.lost).toBe(false)
    await first.release()
    const second = await holdClusterLease(deps(), 'c1', clusterLeaseOwner('worker-a', 'run-1:cluster:0'))
    expect(second.owner).not.toBe(first.owner)
    expect(Number(second.token)).toBeGreaterThan(Number(first.token))
    await second.release()
  })
})
