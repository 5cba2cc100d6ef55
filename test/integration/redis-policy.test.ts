import { createRedisConnection } from '../../store/connection.js'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunService } from '../../service/create-run-service.js'
import { loadConfig } from '../../shared/config.js'
import { RedisPolicyError } from '../../shared/errors/redis-policy-error.js'
import { createRedisKeys } from '../../store/keys.js'
import { createWorker } from '../../workers/create-worker.js'
import { startOwnRedis, type OwnRedis } from '../support/redis-server.js'
import { inventoryOf } from '../support/inventory-of.js'

const inventory = inventoryOf({ clusters: [{ id: 'c', hosts: ['h'] }] }, 'policy-test')
let redis: OwnRedis
beforeAll(async () => {
  redis = await startOwnRedis()
})
afterAll(async () => {
  await redis?.stop()
})

describe('Redis guidance', () => {
  it('worker and API refuse a Redis that may evict keys, saying how to fix it', async () => {
    const admin = createRedisConnection({ mode: 'single', url: redis.url }, 'tool')
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const config = loadConfig({ REDIS_URL: redis.url })
    const logger = pino({ level: 'silent' })
    const workerErr = await createWorker({ config, inventory, logger }).catch((e: unknown) => e)
    expect(workerErr).toBeInstanceOf(RedisPolicyError)
    expect((workerErr as Error).message).toMatch(/"allkeys-lru".*noeviction.*CONFIG SET maxmemory-policy noeviction/)
    await expect(createRunService({ config, inventory, logger })).rejects.toBeInstanceOf(RedisPolicyError)
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    const svc = await createRunService({ config, inventory, logger })
    await svc.close()
    admin.disconnect()
  })

  it('every key carries one hash tag, so Redis Cluster keeps a run in one slot', () => {
    const keys = createRedisKeys('prod')
    for (const k of [
      keys.run('r'),
      keys.runHosts('r'),
      keys.runEvents('r'),
      keys.clusterLease('c'),
      keys.clusterInMaintenance('c'),
      keys.host('h'),
      keys.bullPrefix
    ]) {
      expect(k.startsWith('{prod}')).toBe(true)
    }
  })
})
