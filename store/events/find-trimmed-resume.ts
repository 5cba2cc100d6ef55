import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { compareStreamIds } from './run-event-hub.js'

export type ResumeCheck = { kind: 'complete' } | { kind: 'trimmed'; oldestKept: string | undefined }

/** XINFO STREAM's flat `name, value, ...` reply, as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>()
  const flat = Array.isArray(reply) ? (reply as unknown[]) : []
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(String(flat[i]), flat[i + 1])
  return out
}

/**
 * Whether everything after `afterId` is still in the run's stream. A client's last seen id can
 * only precede the oldest entry kept once trimming removed that entry (`entries-added` > `length`;
 * Redis's `max-deleted-entry-id` counts XDEL only, not trimming). Then what followed it may be gone
 * as well: refused, as nothing tells which events were lost.
 */
export async function findTrimmedResume(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  afterId: string
): Promise<ResumeCheck> {
  const info = fieldsOf(
    await redis.xinfo('STREAM', keys.runEvents(runId)).catch((err: unknown) => {
      if (err instanceof Error && /no such key/i.test(err.message)) return []
      throw err
    })
  )
  const first = info.get('first-entry')
  const oldestKept = Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined
  const added = Number(info.get('entries-added') ?? 0)
  const length = Number(info.get('length') ?? 0)
  const trimmed = oldestKept !== undefined && added > length && compareStreamIds(afterId, oldestKept) < 0
  return trimmed ? { kind: 'trimmed', oldestKept } : { kind: 'complete' }
}
