import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Records that this worker queue ran the cluster's PreFlight and keeps its hosts' sessions (store/run/route-cluster-job.ts). */
export async function setPreflightRoute(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  clusterId: string,
  queueName: string
): Promise<void> {
  await redis.hset(keys.runRoutes(runId), `pf:${clusterId}`, queueName)
}
