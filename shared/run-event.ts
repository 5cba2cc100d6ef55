/** One entry of a run's event stream, as the SSE endpoint sends it (`id` is the Redis stream id). */
export interface RunEvent {
  id: string
  type: string
  data: Record<string, unknown>
}

export interface RunEventStream extends AsyncIterable<RunEvent> {
  close(): void
}
