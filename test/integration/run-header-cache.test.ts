import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisClient } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { makeRunHeaderCache } from '../../workers/run-header-cache.js'
import { deletePrefix, testRedis, uniquePrefix } from '../support/redis.js'

const prefix = uniquePrefix('run-header')
const keys = createRedisKeys(prefix)
let redis: RedisClient

beforeAll(() => {
  redis = testRedis()
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

describe('a worker reads a run header', () => {
  it('parses the request once, reads the status every time, and the plan once it is set', async () => {
    const read = makeRunHeaderCache(redis, keys)
    await redis.hset(keys.run('r1'), { status: 'queued', request: JSON.stringify({ clusterids: ['a', 'b'] }) })
    expect(await read('r1')).toEqual({ status: 'queued', request: { clusterids: ['a', 'b'] }, clusterPlan: undefined })
    // The plan arrives later (after PreFlight), the status moves on: both seen.
    await redis.hset(keys.run('r1'), { status: 'running', clusterPlan: JSON.stringify(['b', 'a']) })
    const second = await read('r1')
    expect(second?.status).toBe('running')
    expect(second?.clusterPlan).toEqual(['b', 'a'])
    // The request is the one parsed the first time: it never changes once written, so it is not read again.
    await redis.hset(keys.run('r1'), { request: JSON.stringify({ clusterids: ['changed'] }), status: 'succeeded' })
    expect(await read('r1')).toEqual({
      status: 'succeeded',
      request: { clusterids: ['a', 'b'] },
      clusterPlan: ['b', 'a']
    })
    // A run that is gone (deleted after retention) is gone for the cache too.
    await redis.del(keys.run('r1'))
    expect(await read('r1')).toBeUndefined()
  })

  it('keeps only the most recent runs', async () => {
    const read = makeRunHeaderCache(redis, keys, 2)
    for (const id of ['x1', 'x2', 'x3'])
      await redis.hset(keys.run(id), { status: 'running', request: JSON.stringify({ hostids: [id] }) })
    for (const id of ['x1', 'x2', 'x3']) await read(id)
    // x1 was dropped: a changed request (which never happens in practice) is read afresh for it only.
    for (const id of ['x1', 'x3']) await redis.hset(keys.run(id), { request: JSON.stringify({ hostids: ['new'] }) })
    expect((await read('x1'))?.request).toEqual({ hostids: ['new'] })
    expect((await read('x3'))?.request).toEqual({ hostids: ['x3'] })
  })
})
