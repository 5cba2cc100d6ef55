import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { APPEND_EVENTS_LUA, eventsArgs, notifyAppended, type EventWithWrite } from './events-with-write.js'

const appendLua = luaScript(`${APPEND_EVENTS_LUA}
return append_events(KEYS[1], KEYS[2], KEYS[3], 1)
`)

/**
 * Appends events in one call of their own (emitRunEvent, and events meant for a write that no write
 * took): best effort, progress display and metrics never fail the maintenance itself.
 */
export async function appendEvents(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  events: readonly EventWithWrite[]
): Promise<void> {
  if (events.length === 0) return
  try {
    const ids = await appendLua(
      redis,
      [keys.run(runId), keys.runEvents(runId), keys.metricsStageDurations()],
      eventsArgs(events)
    )
    notifyAppended(keys, runId, events, ids)
  } catch {
    // ignored on purpose, see above
  }
}
