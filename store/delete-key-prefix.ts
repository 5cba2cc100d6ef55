import { createRedisConnection } from './connection.js'

/** Removes every key of one rollmaint installation (`{prefix}*`) on a single Redis: the demo's clean-up on a shared Redis. */
export async function deleteKeyPrefix(redisUrl: string, prefix: string): Promise<void> {
  const r = createRedisConnection({ mode: 'single', url: redisUrl }, 'tool')
  r.on('error', () => undefined)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await r.del(...keys)
    } while (cursor !== '0')
  } finally {
    r.disconnect()
  }
}
