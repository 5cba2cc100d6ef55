import type { Redis } from 'ioredis'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

const startLua = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[1])
return 1
`)

/** queued → running, once; returns false when the run already started (a resumed run job). */
export async function markRunStarted(redis: Redis, keys: RedisKeys, runId: string): Promise<boolean> {
  return (await startLua(redis, [keys.run(runId)], [new Date().toISOString()])) === 1
}
