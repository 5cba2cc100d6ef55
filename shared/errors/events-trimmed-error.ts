/**
 * A resume (Last-Event-ID) from an event the run's stream no longer keeps: what followed it may be
 * gone, so the stream is refused rather than silently skipping (docs/api.md#events).
 */
export class EventsTrimmedError extends Error {
  readonly code = 'EVENTS_TRIMMED'
  override readonly name = 'EventsTrimmedError'
  constructor(
    readonly runId: string,
    readonly afterId: string,
    readonly oldestKept: string | undefined
  ) {
    super(
      `run ${runId} no longer keeps the events after ${afterId} (the oldest kept is ${oldestKept ?? 'none'}): ` +
        `read the run's state from GET /api/v1/rolling-maintenance/${runId}, then follow its events without Last-Event-ID`
    )
  }
}
