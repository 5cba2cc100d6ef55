import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** SSH connection failures by error code, as the workers counted them. */
export async function readSshFailures(redis: RedisClient, keys: RedisKeys): Promise<Map<string, number>> {
  return new Map(Object.entries(await redis.hgetall(keys.metricsSshFailures())).map(([k, v]) => [k, Number(v)]))
}

/**
 * The stage-duration histogram as stored: field `stage|outcome|part` → value, part being `b<bound>`
 * (that bucket's own count, `b+Inf` above the last bound), `sum` or `count`; a bare bound is a
 * cumulative count written by versions before the per-bucket form (api/plugins/metrics.ts adds both).
 */
export async function readStageDurations(redis: RedisClient, keys: RedisKeys): Promise<Record<string, string>> {
  return redis.hgetall(keys.metricsStageDurations())
}
