import { Job, type Queue } from 'bullmq'
import type { RedisClient } from '../store/connection.js'
import type { RedisKeys } from '../store/keys.js'
import { getClusterJobQueues } from '../store/run/get-cluster-job-queues.js'
import { clusterJobId } from '../workers/job-data.js'
import { openQueue } from '../shared/open-queue.js'

/**
 * A cluster that waits (paused, outside its window, soaking) sleeps as a delayed BullMQ job that
 * holds no worker. Resume and cancel wake the run's sleeping cluster jobs at once, so they look at
 * the run again now instead of at their next check. Returns how many were woken. A cluster job may
 * be in the shared hosts queue or in a worker's own queue (docs/operations.md#cluster-job-affinity):
 * the run's routes say which.
 */
export async function wakeClusterJobs(
  deps: {
    redis: RedisClient
    keys: RedisKeys
    hostsQueue: Queue
    /** BullMQ's connection (not the store's: BullMQ defines its commands on the one it gets). */
    queueConnection: RedisClient
  },
  runId: string,
  clusterPlan: readonly string[]
): Promise<number> {
  const routes = await getClusterJobQueues(deps.redis, deps.keys, runId)
  const others = new Map<string, Queue>()
  const queueOf = (index: number): Queue => {
    const name = routes.get(index)
    if (!name || name === deps.hostsQueue.name) return deps.hostsQueue
    let q = others.get(name)
    if (!q) others.set(name, (q = openQueue(name, { connection: deps.queueConnection, prefix: deps.keys.bullPrefix })))
    return q
  }
  let woken = 0
  try {
    for (let index = 0; index < clusterPlan.length; index++) {
      const job = await Job.fromId(queueOf(index), clusterJobId(runId, index))
      if (!job || !(await job.isDelayed())) continue
      try {
        await job.promote()
        woken += 1
      } catch {
        // it left the delayed set meanwhile: it is looking at the run already
      }
    }
  } finally {
    await Promise.all([...others.values()].map((q) => q.close()))
  }
  return woken
}
