import { createHash } from 'node:crypto'
import type { RedisClient } from './connection.js'
import { LUA_CONSTANTS } from './lua-constants.js'

export interface LuaScript {
  (redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown>
  /** The script text and its SHA1, for callers that send it inside a pipeline (store/replica-ack.ts). */
  readonly lua: string
  readonly sha: string
}

/**
 * A Lua script called by SHA (one round trip, script text sent only after a NOSCRIPT, e.g. after
 * a Redis restart or a failover to a replica that never saw it). Every multi-step Redis operation
 * of rollmaint is one of these, so its ownership check and its write happen atomically. The shared
 * constants (`lua-constants.ts`) come first.
 */
export function luaScript(body: string): LuaScript {
  const lua = `${LUA_CONSTANTS}\n${body}`
  const sha = createHash('sha1').update(lua).digest('hex')
  const call = async (redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT'))
        return redis.eval(lua, keys.length, ...keys, ...args)
      throw err
    }
  }
  return Object.assign(call, { lua, sha })
}
