import type { RedisClient } from '../connection.js'
import type { RunEventData, RunEventType } from '../../shared/run-event.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { notifyEventSinks } from './event-sinks.js'
import { DEFAULT_EVENT_CAP } from './run-event-cap.js'

// The stream keeps as many events as the run's size allows (`eventCap`, written with the run
// record), read in the same step as the append.
const appendLua = luaScript(`
local cap = tonumber(redis.call('HGET', KEYS[1], 'eventCap')) or tonumber(ARGV[1])
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', cap, '*', 'type', ARGV[2], 'data', ARGV[3])
`)

/**
 * Appends to the run's event stream (what live progress reads; stream ids make it resumable).
 * Bounded by the run's size (`run-event-cap.ts`), so a huge run keeps all of its events and a
 * runaway one cannot grow without bound. Best effort: progress display must never fail the
 * maintenance itself.
 */
export async function emitRunEvent<K extends RunEventType>(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  type: K,
  data: RunEventData[K]
): Promise<void> {
  try {
    const id = await appendLua(
      redis,
      [keys.run(runId), keys.runEvents(runId)],
      [DEFAULT_EVENT_CAP, type, JSON.stringify(data)]
    )
    // Webhooks (docs/api.md#operator-controls) see the event with its stream id, after it is stored and without being waited for.
    if (typeof id === 'string') notifyEventSinks(keys.bullPrefix, { runId, id, type, data })
  } catch {
    // ignored on purpose, see above
  }
}
