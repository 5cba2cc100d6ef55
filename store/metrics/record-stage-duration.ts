import type { RedisClient } from '../connection.js'
import { bucketField, STAGE_BUCKETS, type StageOutcome } from '../../shared/metrics/stage-buckets.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// One call instead of a MULTI of a dozen HINCRBYs: a worker spends its CPU per command it builds and
// writes, not per field Redis increments (issue 12: four of these per host cycle).
const RECORD = luaScript(`
local key, prefix, seconds = KEYS[1], ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV do
  if seconds <= tonumber(ARGV[i]) then redis.call('HINCRBY', key, prefix .. ARGV[i], 1) end
end
redis.call('HINCRBY', key, prefix .. '+Inf', 1)
redis.call('HINCRBY', key, prefix .. 'count', 1)
redis.call('HINCRBYFLOAT', key, prefix .. 'sum', ARGV[2])
return 1
`)

const LES = STAGE_BUCKETS.map(String)

/**
 * Adds one finished stage to the cluster-wide histogram (cumulative buckets, sum, count) in one
 * round trip. Metrics must never fail a stage, so errors are swallowed.
 */
export async function recordStageDuration(
  redis: RedisClient,
  keys: RedisKeys,
  stage: string,
  outcome: StageOutcome,
  seconds: number
): Promise<void> {
  await RECORD(redis, [keys.metricsStageDurations()], [bucketField(stage, outcome, ''), seconds, ...LES]).catch(
    () => undefined
  )
}
