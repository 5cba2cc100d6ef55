import type { RunEventData, RunEventType } from '../../shared/run-event.js'
import type { RedisKeys } from '../keys.js'
import { notifyEventSinks } from './event-sinks.js'
import { DEFAULT_EVENT_CAP } from './run-event-cap.js'

/** An event appended by the state write it goes with (issue 12: one Lua call per step, not two). */
export type EventWithWrite = { [K in RunEventType]: { type: K; data: RunEventData[K] } }[RunEventType]

/**
 * Lua prelude: `append_events(runKey, eventsKey, argv, at, mark, text)` appends the events that
 * `eventsArgs` put at `argv[at]` onward to the run's stream, bounded as emit-run-event.ts bounds
 * it, and answers their stream ids. Where an event's data holds `mark`, `text` is written instead
 * (the run seq a slot release takes in the same step). Called after the script's own writes, and
 * only when they were made: a refused write announces nothing.
 */
export const APPEND_EVENTS_LUA = `
local function append_events(runKey, eventsKey, argv, at, mark, text)
  local n = tonumber(argv[at + 1]) or 0
  local ids = {}
  if n == 0 then return ids end
  local cap = tonumber(redis.call('HGET', runKey, 'eventCap')) or tonumber(argv[at])
  for i = 0, n - 1 do
    local data = argv[at + 3 + 2 * i]
    if mark and mark ~= '' then
      local p = string.find(data, mark, 1, true)
      if p then data = string.sub(data, 1, p - 1) .. text .. string.sub(data, p + #mark) end
    end
    ids[#ids + 1] = redis.call('XADD', eventsKey, 'MAXLEN', '~', cap, '*', 'type', argv[at + 2 + 2 * i], 'data', data)
  end
  return ids
end
`

/** The ARGV tail append_events reads: the default cap, the count, then type and JSON data of each. */
export function eventsArgs(events: readonly EventWithWrite[]): string[] {
  return [String(DEFAULT_EVENT_CAP), String(events.length), ...events.flatMap((e) => [e.type, JSON.stringify(e.data)])]
}

/**
 * Hands the appended events to the event sinks (webhooks), as emitRunEvent does after its own
 * append, with the ids the script answered. `data` is what the stream holds (`fill` puts in what
 * the script substituted for a mark).
 */
export function notifyAppended(
  keys: RedisKeys,
  runId: string,
  events: readonly EventWithWrite[],
  ids: unknown,
  fill: (e: EventWithWrite) => EventWithWrite = (e) => e
): void {
  if (!Array.isArray(ids)) return
  events.forEach((e, i) => {
    const id: unknown = ids[i]
    if (typeof id === 'string') notifyEventSinks(keys.bullPrefix, { runId, id, ...fill(e) })
  })
}
