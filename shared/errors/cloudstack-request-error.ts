/**
 * A CloudStack management server refused or failed a request. `errortext` is CloudStack's own words
 * (or what went wrong on the way there); `errorcode` is CloudStack's (401, 431, 530...) or the HTTP
 * status; `transient` says whether asking again later may work (network trouble, 5xx without a body).
 */
export class CloudStackRequestError extends Error {
  readonly code = 'CLOUDSTACK_REQUEST_FAILED'
  override readonly name = 'CloudStackRequestError'
  constructor(
    readonly command: string,
    readonly errortext: string,
    readonly errorcode: number | undefined,
    readonly transient: boolean
  ) {
    super(`CloudStack ${command}: ${errortext}${errorcode !== undefined ? ` (errorcode ${errorcode})` : ''}`)
  }
}
