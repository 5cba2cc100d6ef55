import { updatedOf, type HostDone, type HostRunState } from './host-run-state.js'
import type { RollingMaintenanceResult } from './types.js'

/**
 * Builds the result (docs/api.md#the-result) from the hosts' records. Pure. `hostsupdated` is ordered by the moment
 * hosts left maintenance (their sequence number), `hostsskipped` by the moment they were skipped.
 */
export function aggregateResult(
  hosts: HostRunState[],
  runFailure?: string,
  /** Why hosts that never reached `done` did not (the run's stop reason, a failed job, a cancel). */
  unfinishedWhy = 'their job failed; see the worker logs'
): RollingMaintenanceResult {
  const updated = hosts
    .flatMap((h) => {
      const u = updatedOf(h)
      return u ? [{ h, u }] : []
    })
    .sort((a, b) => a.u.seq - b.u.seq)
    .map(({ h, u }) => ({
      hostid: h.hostId,
      hostname: h.hostName,
      startdate: u.startdate,
      enddate: u.enddate,
      output: u.output,
      ...(u.migrated ? { migrated: u.migrated } : {})
    }))
  const done = hosts.filter((h): h is HostDone => h.phase === 'done')
  const unfinished = hosts.filter((h) => h.phase !== 'done')
  const skipped = done
    .flatMap((h) => (h.skipped ? [{ h, s: h.skipped }] : []))
    .sort((a, b) => a.s.seq - b.s.seq)
    .map(({ h, s }) => ({ hostid: h.hostId, hostname: h.hostName, reason: s.reason }))
  const problems = [
    ...(runFailure ? [runFailure] : []),
    ...done.flatMap((h) =>
      h.stuckInMaintenance
        ? [`host ${h.hostName} (${h.hostId}) could not exit maintenance mode: ${h.stuckInMaintenance}`]
        : h.failure
          ? [`${h.failure.stage} failed on host ${h.hostName} (${h.hostId}): ${h.failure.message}`]
          : []
    ),
    // Every host of the run is accounted for: one that never reached `done` fails the run, named,
    // whatever stopped it (issue 11, item 5).
    ...(unfinished.length > 0
      ? [`hosts not processed: ${unfinished.map((h) => `${h.hostName} (${h.hostId})`).join(', ')} (${unfinishedWhy})`]
      : [])
  ]
  return {
    rollingmaintenance: {
      details: problems.length === 0 ? 'OK' : problems.join('; '),
      hostsskipped: skipped,
      hostsupdated: updated,
      success: problems.length === 0
    }
  }
}
