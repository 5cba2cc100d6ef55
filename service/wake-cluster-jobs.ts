import { Job, type Queue } from 'bullmq'
import { clusterJobId } from '../workers/job-data.js'

/**
 * A cluster that waits (paused, outside its window, soaking) sleeps as a delayed BullMQ job that
 * holds no worker. Resume and cancel wake the run's sleeping cluster jobs at once, so they look at
 * the run again now instead of at their next check. Returns how many were woken.
 */
export async function wakeClusterJobs(
  hostsQueue: Queue,
  runId: string,
  clusterPlan: readonly string[]
): Promise<number> {
  let woken = 0
  for (let index = 0; index < clusterPlan.length; index++) {
    const job = await Job.fromId(hostsQueue, clusterJobId(runId, index))
    if (!job || !(await job.isDelayed())) continue
    try {
      await job.promote()
      woken += 1
    } catch {
      // it left the delayed set meanwhile: it is looking at the run already
    }
  }
  return woken
}
