import { createParser } from 'eventsource-parser'
import logUpdate from 'log-update'
import type { ApiClient } from './api-client.js'
import { renderEventLine, renderProgress } from './render-progress.js'

/**
 * Follows a run to its end over SSE. On a terminal the per-cluster view is redrawn in place; when
 * stdout is a pipe or a file, one plain line per event. Reconnects after a dropped stream with
 * Last-Event-ID, so nothing is shown twice or missed.
 */
export async function watchRun(client: ApiClient, runId: string, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const started = Date.now()
  const tty = out.isTTY === true
  let lastId: string | undefined
  let finished = false
  let redraw: Promise<void> = Promise.resolve()
  const refresh = (): void => {
    redraw = redraw.then(async () => logUpdate(renderProgress(await client.getRun(runId), Date.now() - started))).catch(() => undefined)
  }
  for (let attempt = 0; !finished && attempt < 30; attempt++) {
    try {
      const res = await fetch(`${client.base}/api/v1/rolling-maintenance/${encodeURIComponent(runId)}/events`, {
        headers: { ...client.headers, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
      })
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`)
      const parser = createParser({
        onEvent(e) {
          lastId = e.id ?? lastId
          const type = e.event ?? 'message'
          if (type === 'run.finished') finished = true
          if (tty) refresh()
          else out.write(`${renderEventLine(type, JSON.parse(e.data) as Record<string, unknown>, Date.now() - started)}\n`)
        },
      })
      const decoder = new TextDecoder()
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }))
        if (finished) break
      }
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)))
    }
  }
  if (tty) {
    refresh()
    await redraw
    logUpdate.done()
  }
}
