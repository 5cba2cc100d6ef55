import type { ClusterProgress, RunView } from './run-view.js'
import type { RunSummary } from '../store/run/get-run-summary.js'
import type { Inventory, StageName } from './types.js'

/**
 * Pure: turns a run's summary (its fields and progress counters) into what the API shows. Costs
 * one entry per cluster, whatever the number of hosts.
 */
export function buildRunView(summary: RunSummary, inventory: Inventory): RunView {
  const { progress } = summary
  const clusters: ClusterProgress[] = summary.clusterIds.map((clusterId) => {
    const counters = progress.clusters.get(clusterId)
    const active = counters?.active
    const preflight = !active && (counters?.preflight ?? 0) > 0
    return {
      clusterId,
      clusterName: inventory.clusters.get(clusterId)?.name ?? clusterId,
      hostsTotal: counters?.total ?? 0,
      hostsDone: counters?.done ?? 0,
      currentHostId: active?.hostId,
      currentHostName: active ? (inventory.hosts.get(active.hostId)?.name ?? active.hostId) : undefined,
      // PreFlight runs on the cluster's hosts side by side: the stage is shown, no single host.
      currentStage: active ? (active.phase as StageName | 'EnterMaintenance' | 'ExitMaintenance') : preflight ? 'PreFlight' : undefined,
    }
  })
  const result = summary.result?.rollingmaintenance
  return {
    id: summary.id,
    status: summary.status,
    request: summary.request,
    createdAt: summary.createdAt,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    progress: {
      hostsTotal: progress.hosts,
      hostsDone: progress.done,
      // Once the run has its result, that is the truth (it also lists hosts the run never reached).
      hostsUpdated: result ? result.hostsupdated.length : progress.updated,
      hostsSkipped: result ? result.hostsskipped.length : progress.skipped,
      clusters,
    },
    result: summary.result,
  }
}
