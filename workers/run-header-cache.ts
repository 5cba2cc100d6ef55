import type { RedisClient } from '../store/connection.js'
import type { RedisKeys } from '../store/keys.js'
import { getRunHeader, type RunHeader } from '../store/run/get-run-header.js'
import { getRunStatus } from '../store/run/get-run-status.js'

/**
 * Every PreFlight and cluster job reads its run's header. The request (which may list thousands of
 * host ids) and the cluster plan (one entry per cluster) never change once written, so a worker
 * parses them once per run and then reads only the status (issue 12: a 1,000-cluster run's plan
 * was parsed by each of its 2,000 jobs). The most recent runs are kept.
 */
export function makeRunHeaderCache(redis: RedisClient, keys: RedisKeys, maxRuns = 64) {
  const known = new Map<string, RunHeader>()
  const remember = (runId: string, header: RunHeader): void => {
    known.delete(runId)
    known.set(runId, header)
    if (known.size > maxRuns) known.delete(known.keys().next().value!)
  }
  return async function readRunHeader(runId: string): Promise<RunHeader | undefined> {
    const cached = known.get(runId)
    if (!cached) {
      const header = await getRunHeader(redis, keys, runId)
      if (header) remember(runId, header)
      return header
    }
    const fresh = await getRunStatus(redis, keys, runId, cached.clusterPlan === undefined)
    if (!fresh.status) {
      known.delete(runId)
      return undefined
    }
    const header: RunHeader = { ...cached, status: fresh.status, clusterPlan: cached.clusterPlan ?? fresh.clusterPlan }
    remember(runId, header)
    return header
  }
}
