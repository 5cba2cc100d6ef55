/**
 * A run or a worker still drives the host's cluster, so an operator may not change the host's
 * maintenance state under it (HTTP 409). Retry once the run has ended.
 */
export class ClusterBusyError extends Error {
  readonly code = 'CLUSTER_BUSY'
  override readonly name = 'ClusterBusyError'
  constructor(
    readonly hostId: string,
    readonly clusterId: string,
    readonly holder: string
  ) {
    super(
      holder.startsWith('run ')
        ? `the cluster ${clusterId} of host ${hostId} belongs to active ${holder}; cancel or wait for that run, then retry`
        : `a worker still holds the cluster ${clusterId} of host ${hostId} (${holder}); retry in a few seconds`
    )
  }
}
