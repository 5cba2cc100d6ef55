import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// Only an unfinished run can be cancelled; cancelling twice is harmless.
const cancelLua = luaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if TERMINAL_RUN_STATUSES[status] then return 'finished' end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
return 'requested'
`)

export type CancelOutcome = { kind: 'requested' } | { kind: 'not-found' } | { kind: 'finished' }

/** Asks the run to stop: no new host starts; hosts in hand finish their cycle (never left in maintenance). */
export async function requestCancel(redis: RedisClient, keys: RedisKeys, runId: string): Promise<CancelOutcome> {
  const kind = (await cancelLua(redis, [keys.run(runId)], [])) as CancelOutcome['kind']
  return { kind }
}
