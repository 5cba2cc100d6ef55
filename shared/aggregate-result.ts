import type { HostRunState } from './host-run-state.js'
import type { RollingMaintenanceResult } from './types.js'

/**
 * Builds the spec-4 result from the hosts' records. Pure. `hostsupdated` is ordered by the moment
 * hosts left maintenance (their sequence number), `hostsskipped` by the moment they were skipped.
 */
export function aggregateResult(hosts: HostRunState[], runFailure?: string): RollingMaintenanceResult {
  const updated = hosts
    .filter((h) => h.updated)
    .sort((a, b) => a.updated!.seq - b.updated!.seq)
    .map((h) => ({
      hostid: h.hostId,
      hostname: h.hostName,
      startdate: h.updated!.startdate,
      enddate: h.updated!.enddate,
      output: h.updated!.output,
    }))
  const skipped = hosts
    .filter((h) => h.skipped)
    .sort((a, b) => a.skipped!.seq - b.skipped!.seq)
    .map((h) => ({ hostid: h.hostId, hostname: h.hostName, reason: h.skipped!.reason }))
  const failures = hosts.filter((h) => h.failure || h.stuckInMaintenance)
  const problems = [
    ...(runFailure ? [runFailure] : []),
    ...failures.map((h) =>
      h.stuckInMaintenance
        ? `host ${h.hostName} (${h.hostId}) could not exit maintenance mode: ${h.stuckInMaintenance}`
        : `${h.failure!.stage} failed on host ${h.hostName} (${h.hostId}): ${h.failure!.message}`,
    ),
  ]
  return {
    rollingmaintenance: {
      details: problems.length === 0 ? 'OK' : problems.join('; '),
      hostsskipped: skipped,
      hostsupdated: updated,
      success: problems.length === 0,
    },
  }
}
