import type { RedisClient } from '../connection.js'
import { bucketField, STAGE_BUCKETS, type StageOutcome } from '../../shared/metrics/stage-buckets.js'
import type { RedisKeys } from '../keys.js'

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
  const key = keys.metricsStageDurations()
  const multi = redis.multi()
  for (const le of STAGE_BUCKETS) if (seconds <= le) multi.hincrby(key, bucketField(stage, outcome, String(le)), 1)
  multi.hincrby(key, bucketField(stage, outcome, '+Inf'), 1)
  multi.hincrby(key, bucketField(stage, outcome, 'count'), 1)
  multi.hincrbyfloat(key, bucketField(stage, outcome, 'sum'), seconds)
  await multi.exec().catch(() => undefined)
}
