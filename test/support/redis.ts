import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'

/** The Redis of this test run (see global-setup). */
export function testRedisUrl(): string {
  return inject('redisUrl')
}

/** A connection to the suite's Redis, made as every process makes its own. */
export function testRedis(): RedisClient {
  return createRedisConnection({ mode: 'single', url: testRedisUrl() }, 'tool')
}

/** A key prefix of its own per test file or test, so tests never see each other's queues or keys. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`
}

/** Deletes every key of a prefix (our keys and BullMQ's share the `{prefix}` hash tag). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = testRedis()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
