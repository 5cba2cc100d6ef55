/** docs/api.md#limits: at most 20 open event streams per API key and 500 in all; the next one is a 429. */
export class TooManyStreamsError extends Error {
  readonly code = 'TOO_MANY_STREAMS'
  override readonly name = 'TooManyStreamsError'
  constructor(
    readonly scope: 'key' | 'total',
    readonly limit: number
  ) {
    super(
      scope === 'key'
        ? `this API key already has ${limit} event streams open (the limit per key): close one, or follow several runs by polling GET /api/v1/rolling-maintenance/<id>`
        : `this API server already serves ${limit} event streams (the limit in all): try again later, or poll GET /api/v1/rolling-maintenance/<id>`
    )
  }
}
