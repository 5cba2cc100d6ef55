import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { releaseClusterReservations } from '../cluster/release-cluster-reservations.js'

/** Undoes createRunRecord for a run that never reached the queue. */
export async function deleteRunRecord(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  clusterIds: string[]
): Promise<void> {
  await releaseClusterReservations(redis, keys, runId, clusterIds)
  await redis
    .multi()
    .del(keys.run(runId), keys.runHosts(runId), keys.runEvents(runId), keys.runProgress(runId), keys.runRoutes(runId))
    .zrem(keys.runIndex(), runId)
    .exec()
}
