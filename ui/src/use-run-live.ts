import { useEffect, useRef, useState } from 'preact/hooks'
import { applyRunEvent } from '../../shared/run-timeline.js'
import { ApiError, type ApiClient } from './api-client.js'
import { followRunEvents, type StreamState } from './follow-events.js'
import type { RunTimeline, RunView } from './lib/api-types.js'
import { isActive } from './lib/run-actions.js'

/**
 * A run kept current: its record and time line are loaded once, then every event of the SSE
 * stream is folded into the time line (the same code the API uses), and the record (progress,
 * status, result) is re-read after events, at most once a second, and every few seconds anyway
 * (pause and resume may change the status between events).
 */
export function useRunLive(
  api: ApiClient,
  creds: { apiKey: string; secretKey: string },
  id: string,
  onAuthLost: (m: string) => void
) {
  const [run, setRun] = useState<RunView | undefined>(undefined)
  const [timeline, setTimeline] = useState<RunTimeline | undefined>(undefined)
  const [stream, setStream] = useState<{ state: StreamState; detail?: string | undefined }>({ state: 'connecting' })
  const [error, setError] = useState('')
  const [now, setNow] = useState(Date.now())
  const authLost = useRef(onAuthLost)
  authLost.current = onAuthLost

  const refreshRun = useRef<() => void>(() => undefined)

  useEffect(() => {
    const abort = new AbortController()
    let pending: ReturnType<typeof setTimeout> | undefined
    let lastRead = 0
    const handle = (err: unknown) => {
      if (abort.signal.aborted) return
      if (err instanceof ApiError && err.status === 401)
        authLost.current('The API no longer accepts this key pair; sign in again.')
      else setError(err instanceof Error ? err.message : String(err))
    }
    const readRun = () => {
      lastRead = Date.now()
      api.run(id).then((r) => !abort.signal.aborted && setRun(r), handle)
    }
    // After a burst of events, one read a second is enough for the counters.
    refreshRun.current = () => {
      if (pending) return
      pending = setTimeout(
        () => {
          pending = undefined
          readRun()
        },
        Math.max(0, 1000 - (Date.now() - lastRead))
      )
    }
    const poll = setInterval(readRun, 5000)
    const tick = setInterval(() => setNow(Date.now()), 1000)
    // Runs until the page closes (abort); every failure goes to handle(), so nothing is left to await.
    void (async () => {
      try {
        const [r, tl] = await Promise.all([api.run(id), api.timeline(id)])
        if (abort.signal.aborted) return
        setRun(r)
        setTimeline(tl)
        // A run that ended before the page opened has nothing more to stream.
        if (!isActive(r.status) && tl.events.some((e) => e.type === 'run.finished'))
          return setStream({ state: 'ended' })
        await followRunEvents(
          creds,
          id,
          tl.lastEventId,
          {
            onEvent: (e) => {
              setTimeline((t) => (t ? applyRunEvent(t, e) : t))
              if (e.type === 'run.finished') readRun()
              else refreshRun.current()
            },
            onState: (state, detail) => setStream({ state, detail })
          },
          abort.signal
        )
        readRun()
      } catch (err) {
        handle(err)
      }
    })()
    return () => {
      abort.abort()
      clearInterval(poll)
      clearInterval(tick)
      if (pending) clearTimeout(pending)
    }
  }, [api, id])

  // The browser's clock may be a little behind the server's: never draw "now" before the last event.
  const lastEventAt = Date.parse(timeline?.events.at(-1)?.at ?? '') || 0
  const liveNow = Math.max(now, lastEventAt)
  return {
    run,
    setRun,
    timeline,
    stream,
    error,
    now: run && isActive(run.status) ? liveNow : Date.parse(run?.finishedAt ?? '') || liveNow
  }
}
