import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RunStatus } from '../../shared/types.js'
import type { RedisKeys } from '../keys.js'

const startLua = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'startedAt', ARGV[1])
return 1
`)

const QUEUED: RunStatus = 'queued'
const RUNNING: RunStatus = 'running'

/** queued → running, once; returns false when the run already started (a resumed run job). */
export async function markRunStarted(redis: RedisClient, keys: RedisKeys, runId: string): Promise<boolean> {
  return (await startLua(redis, [keys.run(runId)], [new Date().toISOString(), QUEUED, RUNNING])) === 1
}
