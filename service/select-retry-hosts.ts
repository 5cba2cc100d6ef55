import type { HostRunState } from '../shared/host-run-state.js'

/**
 * Retry (docs/api.md#pause-resume-retry): the hosts of a finished run that failed, were skipped for a failure (forced or
 * within maxFailures), or never started, in the run's order. Hosts updated, or skipped by their own
 * scripts (exit 70, no Maintenance script), are not retried. Pure.
 */
export function selectRetryHosts(hostIds: readonly string[], records: readonly HostRunState[]): string[] {
  const byId = new Map(records.map((r) => [r.hostId, r]))
  return hostIds.filter((id) => {
    const r = byId.get(id)
    if (!r || r.phase !== 'done') return true
    return r.failure !== undefined || r.stuckInMaintenance !== undefined || r.skipped?.failedStep !== undefined
  })
}
