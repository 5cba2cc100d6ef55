import { createLogUpdate } from 'log-update'
import { TERMINAL_RUN_STATUSES } from '../shared/types.js'
import type { RunView } from '../shared/run-view.js'
import type { ApiClient } from './api-client.js'
import { followRunEvents } from './follow-run-events.js'
import { renderEventLine, renderProgress } from './render-progress.js'

/** The live view ticks once a second, so elapsed times move during a long Maintenance stage. */
const TICK_MS = 1_000
/** Events arriving in a burst (PreFlight on many hosts) are folded into one refresh of the run. */
const COALESCE_MS = 200

/** A stream id is `<ms>-<seq>`: the moment Redis stored the event, also right for replayed events. */
function eventTime(id: string | undefined): number {
  const ms = id ? Number(id.split('-')[0]) : NaN
  return Number.isFinite(ms) ? ms : Date.now()
}

/**
 * Follows a run to its end over SSE. On a terminal the per-cluster view is redrawn in place; when
 * stdout is a pipe or a file, one plain line per event.
 */
export async function watchRun(
  client: ApiClient,
  runId: string,
  out: NodeJS.WriteStream = process.stdout
): Promise<void> {
  const runEnded = async (): Promise<boolean> =>
    (TERMINAL_RUN_STATUSES as readonly string[]).includes((await client.getRun(runId)).status)
  const watchStarted = Date.now()
  if (out.isTTY !== true) {
    await followRunEvents(client, runId, {
      onEvent: (event) => out.write(`${renderEventLine(event, Date.now() - watchStarted)}\n`),
      runEnded
    })
    return
  }

  // A terminal that reports no size (a pty nobody sized: `script`, some CI runners) would make
  // log-update cut every line away: assume a classic 80x24 there.
  const screen = {
    write: (chunk: string) => out.write(chunk),
    get columns() {
      return out.columns || 80
    },
    get rows() {
      return out.rows || 24
    }
  }
  const log = createLogUpdate(screen as unknown as NodeJS.WriteStream)
  const stageStartedAt: Record<string, number> = {}
  let view: RunView | undefined
  let stale = true
  let fetching: Promise<void> | undefined
  let soon: NodeJS.Timeout | undefined
  // The view is the API's own (GET): events only say when to fetch it again, one GET at a time.
  const redraw = async (): Promise<void> => {
    if (stale && !fetching) {
      stale = false
      fetching = client
        .getRun(runId)
        .then((v) => void (view = v))
        .catch(() => void (stale = true))
        .finally(() => (fetching = undefined))
      await fetching
    }
    if (view) log(renderProgress({ view, stageStartedAt, now: Date.now() }))
  }
  const ticker = setInterval(() => void redraw(), TICK_MS)
  // Ctrl-C stops watching, not the run: leave the last frame on screen and say how to come back.
  const onSigint = (): void => {
    clearInterval(ticker)
    log.done()
    process.stderr.write(`stopped watching; the run goes on: rollmaint watch ${runId}\n`)
    process.exit(130)
  }
  process.once('SIGINT', onSigint)
  try {
    await redraw()
    await followRunEvents(client, runId, {
      onEvent(event) {
        if (event.type === 'stage.started') stageStartedAt[event.data.hostId] = eventTime(event.id)
        stale = true
        soon ??= setTimeout(() => {
          soon = undefined
          void redraw()
        }, COALESCE_MS)
      },
      runEnded
    })
  } finally {
    process.off('SIGINT', onSigint)
    clearInterval(ticker)
    if (soon) clearTimeout(soon)
    await fetching
    stale = true
    await redraw()
    log.done()
  }
}
