import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { RunRequest, RunStatus } from '../../shared/types.js'

/** What host jobs need of their run: one HMGET, without the run's (possibly huge) host list. */
export interface RunHeader {
  status: RunStatus
  request: RunRequest
  clusterPlan?: string[] | undefined
}

export async function getRunHeader(redis: RedisClient, keys: RedisKeys, runId: string): Promise<RunHeader | undefined> {
  const [status, request, clusterPlan] = await redis.hmget(keys.run(runId), 'status', 'request', 'clusterPlan')
  if (!status || !request) return undefined
  return {
    status: status as RunStatus,
    request: JSON.parse(request) as RunRequest,
    clusterPlan: clusterPlan ? (JSON.parse(clusterPlan) as string[]) : undefined
  }
}
