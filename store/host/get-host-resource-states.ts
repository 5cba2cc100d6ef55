import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { HostResourceState } from '../../shared/types.js'

export interface HostResourceRecord {
  state: HostResourceState
  runId?: string | undefined
  since?: string | undefined
}

/** Resource states of the given hosts in one pipeline; hosts never touched are absent (Enabled). */
export async function getHostResourceStates(
  redis: RedisClient,
  keys: RedisKeys,
  hostIds: string[]
): Promise<Map<string, HostResourceRecord>> {
  const out = new Map<string, HostResourceRecord>()
  if (hostIds.length === 0) return out
  const pipeline = redis.pipeline()
  for (const id of hostIds) pipeline.hmget(keys.host(id), 'state', 'runId', 'since')
  const replies = (await pipeline.exec()) ?? []
  replies.forEach(([err, value], i) => {
    if (err) throw err
    const [state, runId, since] = value as Array<string | null>
    if (state)
      out.set(hostIds[i]!, { state: state as HostResourceState, runId: runId ?? undefined, since: since ?? undefined })
  })
  return out
}
