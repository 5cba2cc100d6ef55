/** Another active run already covers one of the requested clusters (HTTP 409). */
export class RunConflictError extends Error {
  readonly code = 'RUN_CONFLICT'
  override readonly name = 'RunConflictError'
  constructor(readonly conflicts: Array<{ clusterId: string; clusterName: string; runId: string }>) {
    super(
      `cluster ${conflicts.map((c) => `${c.clusterName} (${c.clusterId}) is in run ${c.runId}`).join(', ')}; ` +
        'wait for that run to finish or cancel it'
    )
  }
}
