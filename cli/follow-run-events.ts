import { setTimeout as sleep } from 'node:timers/promises'
import { createParser } from 'eventsource-parser'
import { toRunEvent, type RunEvent } from '../shared/run-event.js'
import { CliHttpError, httpError, networkFailure, type ApiClient } from './api-client.js'

export interface FollowHandlers {
  /** One event of the run, in stream order, each once (`id` is the stream id). Types this CLI does not know are passed over. */
  onEvent(event: RunEvent): void
  /** Asked when a stream ends without `run.finished`: is the run over anyway? */
  runEnded(): Promise<boolean>
}

/** Consecutive failed connections before giving up; any event received resets the count. */
const MAX_FAILURES = 8

/** Delay before reconnect attempt n (0-based): 0.25 s doubling, at most 5 s. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(5_000, 250 * 2 ** failures)
}

/**
 * Follows a run's SSE stream until `run.finished`. A dropped connection is resumed with
 * Last-Event-ID, so nothing is shown twice or missed. A client error (401, 403, 404) ends it at
 * once with the server's message; a server that stays unreachable ends it after MAX_FAILURES tries.
 */
export async function followRunEvents(client: ApiClient, runId: string, handlers: FollowHandlers): Promise<void> {
  const path = client.eventsPath(runId)
  let lastId: string | undefined
  let failures = 0
  let lastProblem = ''
  for (;;) {
    if (failures > 0) {
      if (failures > MAX_FAILURES) throw new CliHttpError(0, `lost the event stream of run ${runId}: ${lastProblem}`)
      await sleep(reconnectDelayMs(failures - 1))
    }
    let res: Response
    try {
      res = await fetch(`${client.base}${path}`, {
        headers: { ...client.headers, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }
      })
    } catch (err) {
      lastProblem = networkFailure(client.base, err).message
      failures++
      continue
    }
    if (res.status >= 400 && res.status < 500) throw await httpError('GET', path, res)
    if (!res.ok || !res.body) {
      lastProblem = `GET ${path} → ${res.status}`
      await res.body?.cancel().catch(() => undefined)
      failures++
      continue
    }
    let finished = false
    const parser = createParser({
      onEvent(e) {
        lastId = e.id ?? lastId
        failures = 0
        const type = e.event ?? 'message'
        if (type === 'run.finished') finished = true
        let data: unknown
        try {
          data = JSON.parse(e.data)
        } catch {
          return
        }
        const event = toRunEvent(e.id ?? '', type, data)
        if (event) handlers.onEvent(event)
      }
    })
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }))
        if (finished) break
      }
    } catch (err) {
      lastProblem = `the event stream broke off: ${(err as Error).message}`
    }
    if (finished) return
    // Ended without run.finished (server restart, proxy timeout, or a run whose last event is already behind us).
    if (await handlers.runEnded().catch(() => false)) return
    lastProblem ||= 'the event stream ended early'
    failures++
  }
}
