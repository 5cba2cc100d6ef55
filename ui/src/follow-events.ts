import { createParser } from 'eventsource-parser'
import { ApiError, authHeaders, type Credentials } from './api-client.js'

export interface StreamEvent {
  id: string
  type: string
  data: Record<string, unknown>
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed'

/**
 * Follows a run's SSE stream from `afterId` until `run.finished`. EventSource cannot send an
 * Authorization header, so this reads the stream with fetch; a dropped connection is resumed with
 * Last-Event-ID, so nothing is shown twice or missed. Stops when `signal` aborts.
 */
export async function followRunEvents(
  creds: Credentials,
  runId: string,
  afterId: string | undefined,
  handlers: { onEvent(e: StreamEvent): void; onState(s: StreamState, detail?: string): void },
  signal: AbortSignal
): Promise<void> {
  let lastId = afterId
  let failures = 0
  while (!signal.aborted) {
    if (failures > 0) {
      handlers.onState('reconnecting')
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** (failures - 1))))
      if (signal.aborted) return
    } else handlers.onState('connecting')
    let finished = false
    try {
      const res = await fetch(`/api/v1/rolling-maintenance/${encodeURIComponent(runId)}/events`, {
        headers: { ...authHeaders(creds), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal
      })
      if (res.status >= 400 && res.status < 500) {
        const body = (await res.json().catch(() => ({}))) as { message?: string }
        throw new ApiError(res.status, 'STREAM', body.message ?? `the event stream answered ${res.status}`)
      }
      if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`)
      handlers.onState('live')
      const parser = createParser({
        onEvent(e) {
          if (!e.id) return
          lastId = e.id
          failures = 0
          let data: Record<string, unknown> = {}
          try {
            data = JSON.parse(e.data) as Record<string, unknown>
          } catch {
            data = { raw: e.data }
          }
          const type = e.event ?? 'message'
          if (type === 'run.finished') finished = true
          handlers.onEvent({ id: e.id, type, data })
        }
      })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.feed(value)
        if (finished) {
          await reader.cancel().catch(() => undefined)
          break
        }
      }
      // The server ends the stream once the run has ended, also when run.finished is behind us.
      handlers.onState('ended')
      return
    } catch (err) {
      if (signal.aborted) return
      if (err instanceof ApiError) {
        handlers.onState('failed', err.message)
        return
      }
      failures++
      if (failures > 8) {
        handlers.onState('failed', 'lost the event stream; reload the page to try again')
        return
      }
    }
  }
}
