import type { RedisClient } from '../connection.js'
import type { RunEventData, RunEventType } from '../../shared/run-event.js'
import type { RedisKeys } from '../keys.js'
import { appendEvents } from './append-events.js'
import type { EventWithWrite } from './events-with-write.js'

/**
 * Appends to the run's event stream (what live progress reads; stream ids make it resumable) and
 * hands the event to the event sinks (webhooks) with its stream id, without waiting for them.
 * Bounded by the run's size (`run-event-cap.ts`), read in the same step as the append, so a huge
 * run keeps all of its events and a runaway one cannot grow without bound. Best effort: progress
 * display must never fail the maintenance itself. The same append as the state writes use
 * (events/events-with-write.ts), in a call of its own.
 */
export function emitRunEvent<K extends RunEventType>(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  type: K,
  data: RunEventData[K]
): Promise<void> {
  return appendEvents(redis, keys, runId, [{ type, data } as EventWithWrite])
}
