import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RunStatus } from '../../shared/types.js'
import type { RedisKeys } from '../keys.js'

// A run paused before it started (docs/api.md#operator-controls) starts paused: it is running once resumed.
const startLua = luaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if status == ARGV[2] then
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'startedAt', ARGV[1])
  return 1
end
if status == ARGV[4] and redis.call('HGET', KEYS[1], 'pausedFrom') == ARGV[2] then
  redis.call('HSET', KEYS[1], 'pausedFrom', ARGV[3], 'startedAt', ARGV[1])
  return 1
end
return 0
`)

const QUEUED: RunStatus = 'queued'
const RUNNING: RunStatus = 'running'
const PAUSED: RunStatus = 'paused'

/** queued → running, once; returns false when the run already started (a resumed run job). */
export async function markRunStarted(redis: RedisClient, keys: RedisKeys, runId: string): Promise<boolean> {
  return (await startLua(redis, [keys.run(runId)], [new Date().toISOString(), QUEUED, RUNNING, PAUSED])) === 1
}
