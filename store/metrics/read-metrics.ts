import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** SSH connection failures by error code, as the workers counted them. */
export async function readSshFailures(redis: RedisClient, keys: RedisKeys): Promise<Map<string, number>> {
  return new Map(Object.entries(await redis.hgetall(keys.metricsSshFailures())).map(([k, v]) => [k, Number(v)]))
}

/** The stage-duration histogram as stored: field `stage|outcome|part` (part: a bucket bound, `+Inf`, `sum` or `count`) → value. */
export async function readStageDurations(redis: RedisClient, keys: RedisKeys): Promise<Record<string, string>> {
  return redis.hgetall(keys.metricsStageDurations())
}
