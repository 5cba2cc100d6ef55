import type { Redis } from 'ioredis'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

// Only an unfinished run can be cancelled; cancelling twice is harmless.
const cancelLua = luaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'NOT_FOUND' end
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 'FINISHED' end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
return 'OK'
`)

export type CancelReply = 'OK' | 'NOT_FOUND' | 'FINISHED'

/** Asks the run to stop: no new host starts; hosts in hand finish their cycle (never left in maintenance). */
export async function requestCancel(redis: Redis, keys: RedisKeys, runId: string): Promise<CancelReply> {
  return (await cancelLua(redis, [keys.run(runId)], [])) as CancelReply
}
