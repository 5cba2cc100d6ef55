import type { RedisClient } from '../connection.js'
import { bucketField, bucketOf, ownBucketPart, type StageOutcome } from '../../shared/metrics/stage-buckets.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// One call instead of a MULTI of a dozen HINCRBYs: a worker spends its CPU per command it builds and
// writes, not per field Redis increments (issue 12: four of these per host cycle).
/**
 * Lua: adds one stage to the histogram in hash `key`; `first` is the index in ARGV of the field
 * prefix (`stage|outcome|`), followed by the seconds and the stored part of its own bucket
 * (`bucketOf`: three writes per stage, not one per bound). Shared with the scripts that append a
 * stage.finished event (store/events/events-with-write.ts), which write both in one call.
 */
export const HISTOGRAM_LUA = `
local function addToHistogram(key, first)
  local prefix = ARGV[first]
  redis.call('HINCRBY', key, prefix .. ARGV[first + 2], 1)
  redis.call('HINCRBY', key, prefix .. 'count', 1)
  redis.call('HINCRBYFLOAT', key, prefix .. 'sum', ARGV[first + 1])
end
`

const RECORD = luaScript(`${HISTOGRAM_LUA}
addToHistogram(KEYS[1], 1)
return 1
`)

/** ARGV tail of HISTOGRAM_LUA for one stage. */
export function histogramArgs(stage: string, outcome: StageOutcome, seconds: number): Array<string | number> {
  return [bucketField(stage, outcome, ''), seconds, ownBucketPart(bucketOf(seconds))]
}

/**
 * Adds one finished stage to the cluster-wide histogram (its bucket, sum, count) in one
 * round trip. Metrics must never fail a stage, so errors are swallowed.
 */
export async function recordStageDuration(
  redis: RedisClient,
  keys: RedisKeys,
  stage: string,
  outcome: StageOutcome,
  seconds: number
): Promise<void> {
  await RECORD(redis, [keys.metricsStageDurations()], histogramArgs(stage, outcome, seconds)).catch(() => undefined)
}
