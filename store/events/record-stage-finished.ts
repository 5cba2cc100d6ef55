import type { RedisClient } from '../connection.js'
import type { RunEventData } from '../../shared/run-event.js'
import type { StageOutcome } from '../../shared/metrics/stage-buckets.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { HISTOGRAM_LUA, histogramArgs } from '../metrics/record-stage-duration.js'
import { DEFAULT_EVENT_CAP } from './run-event-cap.js'
import { notifyEventSinks } from './event-sinks.js'

// The stage.finished event and the stage-duration histogram in one call: four stages per host
// cycle each saved a round trip (issue 12, worker and Redis CPU per host cycle). The stream is
// bounded by the run's `eventCap`, as in emit-run-event.ts.
const RECORD = luaScript(`${HISTOGRAM_LUA}
local cap = tonumber(redis.call('HGET', KEYS[1], 'eventCap')) or tonumber(ARGV[1])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', cap, '*', 'type', 'stage.finished', 'data', ARGV[2])
addToHistogram(KEYS[3], 3)
return id
`)

/**
 * A finished stage: appended to the run's event stream (then handed to the event sinks, as
 * emitRunEvent does) and counted in the stage-duration histogram. Best effort like both of them:
 * progress display and metrics never fail the maintenance itself.
 */
export async function recordStageFinished(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  outcome: StageOutcome,
  data: RunEventData['stage.finished']
): Promise<void> {
  try {
    const id = (await RECORD(
      redis,
      [keys.run(runId), keys.runEvents(runId), keys.metricsStageDurations()],
      [DEFAULT_EVENT_CAP, JSON.stringify(data), ...histogramArgs(data.stage, outcome, data.durationMs / 1000)]
    )) as string | null
    if (id) notifyEventSinks(keys.bullPrefix, { runId, id, type: 'stage.finished', data })
  } catch {
    // ignored on purpose, see above
  }
}
