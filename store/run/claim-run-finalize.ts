import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { PROGRESS_FIELDS } from './run-progress.js'

// KEYS: run, run progress; ARGV: the claimant, progress field of all hosts, of hosts done.
// Claimed once, by the first caller to find every host done in a run neither finished, stopped nor
// cancelled: the others read nothing more.
const claimLua = luaScript(`
local run = redis.call('HMGET', KEYS[1], 'status', 'stopReason', 'cancelRequested', 'finalizing')
if not run[1] or TERMINAL_RUN_STATUSES[run[1]] or run[2] or run[3] == '1' or run[4] then return 0 end
local p = redis.call('HMGET', KEYS[2], ARGV[2], ARGV[3])
local hosts, done = tonumber(p[1] or '0') or 0, tonumber(p[2] or '0') or 0
if hosts == 0 or done < hosts then return 0 end
redis.call('HSET', KEYS[1], 'finalizing', ARGV[1])
return 1
`)

/**
 * Whether the caller is the one to store the run's result now: every host of the run is done (its
 * progress counters say so, whatever the run's size) and nobody claimed it before. The run job's
 * own last step stores it anyway should the claimant die first (store/run/finish-run.ts: once).
 */
export async function claimRunFinalize(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  claimant: string
): Promise<boolean> {
  const reply = await claimLua(
    redis,
    [keys.run(runId), keys.runProgress(runId)],
    [claimant, PROGRESS_FIELDS.hosts, PROGRESS_FIELDS.done]
  )
  return reply === 1
}
