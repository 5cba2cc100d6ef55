import { toCloudStackDate } from '../../shared/cloudstack/cloudstack-date.js'
import type { RunView } from '../../shared/run-view.js'

export const START_ROLLING_MAINTENANCE_CMD =
  'org.apache.cloudstack.api.command.admin.resource.StartRollingMaintenanceCmd'

/**
 * A run as CloudStack's AsyncJobResponse. jobstatus 1 once the run has ended (also when success is
 * false or it was cancelled: the job itself completed), 0 while queued or running. A run whose job
 * broke would be 2; rollmaint records such a run as failed with a result, so it is reported as 1.
 */
export function asyncJobView(run: RunView, user: { name: string }): Record<string, unknown> {
  const ended = run.result !== undefined
  return {
    accountid: user.name,
    userid: user.name,
    cmd: START_ROLLING_MAINTENANCE_CMD,
    jobid: run.id,
    jobstatus: ended ? 1 : 0,
    jobprocstatus: 0,
    jobresultcode: 0,
    jobresulttype: 'object',
    ...(ended ? { jobresult: run.result } : {}),
    created: toCloudStackDate(run.createdAt),
    ...(run.finishedAt ? { completed: toCloudStackDate(run.finishedAt) } : {})
  }
}
