import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** Reads an SSE response over real HTTP until `until` says stop (or the server ends the stream). */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (e: EventSourceMessage) => boolean,
  timeoutMs = 60_000
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = []
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
    if (res.status !== 200) throw new Error(`SSE answered ${res.status}: ${await res.text()}`)
    let done = false
    const parser = createParser({
      onEvent(e) {
        if (done) return
        events.push(e)
        if (until(e)) done = true
      }
    })
    const decoder = new TextDecoder()
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }))
      if (done) break
    }
    return events
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}
