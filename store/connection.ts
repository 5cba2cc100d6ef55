import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { RedisPolicyError } from '../shared/errors/redis-policy-error.js'

/**
 * One ioredis connection. BullMQ workers need `maxRetriesPerRequest: null` (commands wait for a
 * reconnect instead of failing); the API uses a bounded retry so a request fails fast when Redis is down.
 */
export function createRedisConnection(url: string, role: 'worker' | 'api', logger?: Logger, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableReadyCheck: true,
    connectionName: `rollmaint-${role}`,
    ...extra,
  })
  // ioredis reconnects by itself: say once that Redis is gone and once that it is back, instead of
  // a line (or ioredis' own console warning) for every attempt.
  let down = false
  redis.on('error', (err: Error) => {
    if (down) return
    down = true
    logger?.warn({ err: err.message }, 'Redis connection lost; reconnecting')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    logger?.info('Redis connection back')
  })
  return redis
}

/** Refuses to run against a Redis that may evict keys: that would lose work silently. */
export async function assertNoEviction(redis: Redis): Promise<void> {
  let policy: string | undefined
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[]
    policy = reply[1]
  } catch {
    // Managed Redis services often disable CONFIG; INFO still tells the policy.
    const info = await redis.info('memory')
    policy = /maxmemory_policy:(\S+)/.exec(info)?.[1]
  }
  if (policy !== undefined && policy !== 'noeviction') throw new RedisPolicyError(policy)
}
