import type { RunEventData, RunEventType } from '../../shared/run-event.js'
import type { RedisKeys } from '../keys.js'
import { notifyEventSinks } from './event-sinks.js'
import { HISTOGRAM_LUA } from '../metrics/record-stage-duration.js'
import { DEFAULT_EVENT_CAP } from './run-event-cap.js'

/**
 * An event appended by the state write it goes with (issue 12: one Lua call per step, not two).
 * A stage.finished one also counts its stage in the duration histogram (`histogram`:
 * histogramArgs of store/metrics/record-stage-duration.ts).
 */
export type EventWithWrite = { [K in RunEventType]: { type: K; data: RunEventData[K] } }[RunEventType] & {
  histogram?: readonly [prefix: string, seconds: number, bucketPart: string] | undefined
}

/**
 * Lua prelude: `append_events(runKey, eventsKey, metricsKey, at, mark, text)` appends the events
 * that `eventsArgs` put at `ARGV[at]` onward to the run's stream, bounded as emit-run-event.ts
 * bounds it, adds the stages they finish to the histogram in `metricsKey` (HISTOGRAM_LUA), and
 * answers their stream ids. Where an event's data holds `mark`,
 * `text` is written instead (the run seq a slot release takes in the same step). Called after the
 * script's own writes, and only when they were made: a refused write announces nothing.
 */
export const APPEND_EVENTS_LUA = `${HISTOGRAM_LUA}
local function append_events(runKey, eventsKey, metricsKey, at, mark, text)
  local n = tonumber(ARGV[at + 1]) or 0
  local ids = {}
  if n == 0 then return ids end
  local cap = tonumber(redis.call('HGET', runKey, 'eventCap')) or tonumber(ARGV[at])
  for i = 0, n - 1 do
    local f = at + 2 + 5 * i
    local data = ARGV[f + 1]
    if mark and mark ~= '' then
      local p = string.find(data, mark, 1, true)
      if p then data = string.sub(data, 1, p - 1) .. text .. string.sub(data, p + #mark) end
    end
    ids[#ids + 1] = redis.call('XADD', eventsKey, 'MAXLEN', '~', cap, '*', 'type', ARGV[f], 'data', data)
    if ARGV[f + 2] ~= '' then addToHistogram(metricsKey, f + 2) end
  end
  return ids
end
`

/** The ARGV tail append_events reads: the default cap, the count, then five fields per event (the last three HISTOGRAM_LUA's). */
export function eventsArgs(events: readonly EventWithWrite[]): string[] {
  return [
    String(DEFAULT_EVENT_CAP),
    String(events.length),
    ...events.flatMap((e) => [
      e.type,
      JSON.stringify(e.data),
      e.histogram?.[0] ?? '',
      String(e.histogram?.[1] ?? 0),
      e.histogram?.[2] ?? ''
    ])
  ]
}

/**
 * Hands the appended events to the event sinks (webhooks), as emitRunEvent does after its own
 * append, with the ids the script answered; `events` as the stream holds them.
 */
export function notifyAppended(keys: RedisKeys, runId: string, events: readonly EventWithWrite[], ids: unknown): void {
  if (!Array.isArray(ids)) return
  events.forEach(({ type, data }, i) => {
    const id: unknown = ids[i]
    if (typeof id === 'string') notifyEventSinks(keys.bullPrefix, { runId, id, type, data })
  })
}
