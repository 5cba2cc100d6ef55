import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

export type LuaScript = (redis: Redis, keys: string[], args: Array<string | number>) => Promise<unknown>

/**
 * A Lua script called by SHA (one round trip, script text sent only after a NOSCRIPT, e.g. after
 * a Redis restart). Every multi-step Redis operation of rollmaint is one of these, so its
 * ownership check and its write happen atomically.
 */
export function luaScript(lua: string): LuaScript {
  const sha = createHash('sha1').update(lua).digest('hex')
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return redis.eval(lua, keys.length, ...keys, ...args)
      throw err
    }
  }
}
