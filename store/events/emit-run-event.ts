import type { RedisClient } from '../connection.js'
import type { RunEventData, RunEventType } from '../../shared/run-event.js'
import type { RedisKeys } from '../keys.js'
import { notifyEventSinks } from './event-sinks.js'

/**
 * Appends to the run's event stream (what live progress reads; stream ids make it resumable).
 * Capped, so a huge run cannot grow it without bound. Best effort: progress display must never
 * fail the maintenance itself.
 */
/** The run's event stream keeps about this many events (XADD MAXLEN ~). */
export const RUN_EVENTS_MAXLEN = 50_000

export async function emitRunEvent<K extends RunEventType>(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  type: K,
  data: RunEventData[K]
): Promise<void> {
  try {
    const id = await redis.xadd(
      keys.runEvents(runId),
      'MAXLEN',
      '~',
      RUN_EVENTS_MAXLEN,
      '*',
      'type',
      type,
      'data',
      JSON.stringify(data)
    )
    // Webhooks (docs/api.md#operator-controls) see the event with its stream id, after it is stored and without being waited for.
    if (id) notifyEventSinks(keys.bullPrefix, { runId, id, type, data })
  } catch {
    // ignored on purpose, see above
  }
}
