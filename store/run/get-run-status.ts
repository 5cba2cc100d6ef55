import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { RunStatus } from '../../shared/types.js'

/**
 * A run's status, and its cluster plan when asked for (once set it never changes): what a worker
 * that already holds the run's request needs to read again (workers/run-header-cache.ts).
 */
export async function getRunStatus(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  withPlan: boolean
): Promise<{ status?: RunStatus | undefined; clusterPlan?: string[] | undefined }> {
  const [status, plan] = withPlan
    ? await redis.hmget(keys.run(runId), 'status', 'clusterPlan')
    : [await redis.hget(keys.run(runId), 'status'), null]
  return {
    status: (status ?? undefined) as RunStatus | undefined,
    clusterPlan: plan ? (JSON.parse(plan) as string[]) : undefined
  }
}
