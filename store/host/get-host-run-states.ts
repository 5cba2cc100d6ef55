import type { RedisClient } from '../connection.js'
import { parseHostRunState, type HostRunState } from '../../shared/host-run-state.js'
import type { RedisKeys } from '../keys.js'

/** The records of the given hosts in a run (absent: the host is not part of the run). */
export async function getHostRunStates(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  hostIds: string[]
): Promise<Map<string, HostRunState>> {
  const out = new Map<string, HostRunState>()
  if (hostIds.length === 0) return out
  const values = await redis.hmget(keys.runHosts(runId), ...hostIds)
  values.forEach((json, i) => {
    if (json) out.set(hostIds[i]!, parseHostRunState(json))
  })
  return out
}
