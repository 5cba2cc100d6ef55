import type { RunView } from '../../shared/run-view.js'
import type { RunStatus } from '../../shared/types.js'
import type { GateWait } from '../../shared/controls/gate-wait.js'
import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { PROGRESS_FIELDS } from './run-progress.js'

type ClusterWait = NonNullable<RunView['progress']['clusters'][number]['waiting']>

/** What a cluster reads at the boundary before its next host (docs/api.md#operator-controls): one round trip. */
export interface BoundaryState {
  status?: RunStatus | undefined
  stopReason?: string | undefined
  cancelled: boolean
  /** What the cluster showed as its wait last time, if anything. */
  wait?: ClusterWait | undefined
  /** The gate in progress for the cluster's next host, if one has failed already. */
  gate?: GateWait | undefined
}

const parse = <T>(raw: string | null | undefined): T | undefined => {
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as T
  } catch {
    return undefined
  }
}

export async function getBoundaryState(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  clusterId: string
): Promise<BoundaryState> {
  const replies = await redis
    .multi()
    .hmget(keys.run(runId), 'status', 'stopReason', 'cancelRequested')
    .hmget(keys.runProgress(runId), PROGRESS_FIELDS.clusterWait(clusterId), PROGRESS_FIELDS.clusterGate(clusterId))
    .exec()
  if (!replies) return { cancelled: false }
  const [[runErr, run], [progressErr, progress]] = replies as [
    [Error | null, Array<string | null>],
    [Error | null, Array<string | null>]
  ]
  if (runErr) throw runErr
  if (progressErr) throw progressErr
  const [status, stopReason, cancel] = run
  const [wait, gate] = progress
  return {
    status: (status ?? undefined) as RunStatus | undefined,
    stopReason: stopReason ?? undefined,
    cancelled: cancel === '1',
    wait: parse<ClusterWait>(wait),
    gate: parse<GateWait>(gate)
  }
}

/**
 * Writes (or, with undefined, clears) what the cluster waits for and its gate progress. Both live
 * in the progress hash, which the API reads anyway and which expires with the run.
 */
export async function setClusterWait(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  clusterId: string,
  wait: ClusterWait | undefined,
  gate: GateWait | undefined
): Promise<void> {
  const key = keys.runProgress(runId)
  const m = redis.multi()
  if (wait) m.hset(key, PROGRESS_FIELDS.clusterWait(clusterId), JSON.stringify(wait))
  else m.hdel(key, PROGRESS_FIELDS.clusterWait(clusterId))
  if (gate) m.hset(key, PROGRESS_FIELDS.clusterGate(clusterId), JSON.stringify(gate))
  else m.hdel(key, PROGRESS_FIELDS.clusterGate(clusterId))
  await m.exec()
}
