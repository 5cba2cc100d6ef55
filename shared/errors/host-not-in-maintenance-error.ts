/** Cancelling maintenance of a host that is not in maintenance (HTTP 409). */
export class HostNotInMaintenanceError extends Error {
  readonly code = 'HOST_NOT_IN_MAINTENANCE'
  override readonly name = 'HostNotInMaintenanceError'
  constructor(
    readonly hostId: string,
    readonly state: string
  ) {
    super(`host ${hostId} is ${state}, not in maintenance; there is nothing to cancel`)
  }
}
