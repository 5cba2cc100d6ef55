import { createRedisConnection } from './connection.js'

/**
 * Whether a single Redis at `url` answers PING within `connectTimeoutMs`, on a throw-away
 * connection: for tools that start a redis-server and wait for it, or check one before using it.
 */
export async function redisAnswers(url: string, connectTimeoutMs = 1000): Promise<boolean> {
  const r = createRedisConnection({ mode: 'single', url }, 'tool', undefined, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs
  })
  // The caller decides what no answer means; a refused connection while a server starts is expected.
  r.on('error', () => undefined)
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}
