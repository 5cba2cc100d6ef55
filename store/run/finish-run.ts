import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import type { RollingMaintenanceResult, TerminalRunStatus } from '../../shared/types.js'

// Writes the result once, starts the retention clock on every key of the run and frees the
// clusters for the next run, all in one step so a crash cannot leave a finished run holding them.
const finishLua = luaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if TERMINAL_RUN_STATUSES[status] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'finishedAt', ARGV[3], 'result', ARGV[4])
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
for i = 6, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1
`)

export async function finishRun(
  redis: RedisClient,
  keys: RedisKeys,
  run: { id: string; clusterIds: string[] },
  status: TerminalRunStatus,
  result: RollingMaintenanceResult,
  retentionDays: number
): Promise<boolean> {
  const reply = await finishLua(
    redis,
    [
      keys.run(run.id),
      keys.runHosts(run.id),
      keys.runEvents(run.id),
      keys.runProgress(run.id),
      keys.runRoutes(run.id),
      ...run.clusterIds.map((c) => keys.clusterRun(c))
    ],
    [run.id, status, new Date().toISOString(), JSON.stringify(result), retentionDays * 24 * 3600]
  )
  return reply === 1
}
