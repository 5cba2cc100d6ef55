/** No host with this id in the inventory (HTTP 404). */
export class HostNotFoundError extends Error {
  readonly code = 'HOST_NOT_FOUND'
  override readonly name = 'HostNotFoundError'
  constructor(readonly hostId: string) {
    super(`no host with id ${hostId} in the inventory`)
  }
}
