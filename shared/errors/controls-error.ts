/** A control field of a run request (maxFailures, canary, soakSeconds, window) is unusable (HTTP 400). */
export class ControlsError extends Error {
  readonly code = 'CONTROLS_INVALID'
  override readonly name = 'ControlsError'
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
  }
}
