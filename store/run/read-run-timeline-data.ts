import { parseHostRunState, type HostRunState } from '../../shared/host-run-state.js'
import { toRunEvent, type RunEvent } from '../../shared/run-event.js'
import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** The stream is capped at about this many entries by the workers; read it whole. */
const MAX_EVENTS = 60_000

export interface RunTimelineData {
  hosts: HostRunState[]
  events: RunEvent[]
}

/**
 * A run's host records and every event so far, read in one MULTI so both show the same moment;
 * undefined for an unknown run.
 */
export async function readRunTimelineData(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string
): Promise<RunTimelineData | undefined> {
  const replies = await redis
    .multi()
    .exists(keys.run(runId))
    .hvals(keys.runHosts(runId))
    .xrange(keys.runEvents(runId), '-', '+', 'COUNT', MAX_EVENTS)
    .exec()
  if (!replies) return undefined
  for (const [err] of replies) if (err) throw err
  const [[, exists], [, values], [, entries]] = replies as [
    [null, number],
    [null, string[]],
    [null, Array<[string, string[]]>]
  ]
  if (!exists) return undefined
  const events = entries.flatMap(([id, fields]) => {
    const type = fields[fields.indexOf('type') + 1] ?? 'unknown'
    let data: unknown = {}
    try {
      data = JSON.parse(fields[fields.indexOf('data') + 1] ?? '{}')
    } catch {
      // written whole by one XADD; an unreadable entry is shown without data rather than failing the page
    }
    const event = toRunEvent(id, type, data)
    return event ? [event] : []
  })
  return { hosts: values.map(parseHostRunState), events }
}
