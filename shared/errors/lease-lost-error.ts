/** This worker no longer holds the cluster lease (it expired and another worker took over). */
export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST'
  override readonly name = 'LeaseLostError'
  constructor(readonly clusterId: string) {
    super(`lost the maintenance lease of cluster ${clusterId}; another worker continues this cluster`)
  }
}
