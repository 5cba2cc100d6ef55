import type { RedisClient } from '../connection.js'
import { parseHostRunState, type HostRunState } from '../../shared/host-run-state.js'
import type { RedisKeys } from '../keys.js'

export async function getHostRunState(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  hostId: string
): Promise<HostRunState | undefined> {
  const json = await redis.hget(keys.runHosts(runId), hostId)
  return json ? parseHostRunState(json) : undefined
}
