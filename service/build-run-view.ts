import { failureLimit } from '../shared/controls/failure-budget.js'
import { formatWindowTime, windowState } from '../shared/controls/maintenance-window.js'
import type { ClusterProgress, RunProgress, RunView } from '../shared/run-view.js'
import type { RunSummary } from '../store/run/get-run-summary.js'
import type { Inventory, StageName } from '../shared/types.js'

/** The one line a reader sees first when something holds the run back (docs/api.md#operator-controls). Pure. */
function progressMessage(
  summary: RunSummary,
  window: RunProgress['window'],
  clusters: ClusterProgress[]
): string | undefined {
  if (summary.status === 'paused' && summary.paused) {
    const p = summary.paused
    return p.reason === 'canary'
      ? `paused after the canary: ${summary.progress.updated} host${summary.progress.updated === 1 ? '' : 's'} updated; resume to go on`
      : `paused by ${p.by ?? 'an operator'}`
  }
  if (summary.status !== 'running') return undefined
  const waiting = clusters.filter((c) => !c.currentHostId && c.waiting)
  const windowWait = waiting.find((c) => c.waiting?.kind === 'window')
  if (windowWait?.waiting?.kind === 'window') return `waiting for window, opens ${windowWait.waiting.opensAt}`
  if (window && !window.open && waiting.length > 0) return `waiting for window, opens ${window.opensAt}`
  const gate = waiting.find((c) => c.waiting?.kind === 'gate')
  if (gate) return `cluster ${gate.clusterName}: gate waiting`
  return undefined
}

/**
 * Pure: turns a run's summary (its fields and progress counters) into what the API shows. Costs
 * one entry per cluster, whatever the number of hosts. `now` decides what the window says.
 */
export function buildRunView(summary: RunSummary, inventory: Inventory, now: Date = new Date()): RunView {
  const { progress, request } = summary
  const finished = summary.result !== undefined
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
      currentStage: active
        ? (active.phase as StageName | 'EnterMaintenance' | 'ExitMaintenance')
        : preflight
          ? 'PreFlight'
          : undefined,
      // A wait is only news while the cluster has hosts left and no host in hand.
      waiting: !finished && !active && (counters?.done ?? 0) < (counters?.total ?? 0) ? counters?.wait : undefined
    }
  })
  let window: RunProgress['window']
  if (request.window && !finished) {
    const w = windowState(request.window, now)
    window = {
      open: w.open,
      opensAt: w.opensAt && formatWindowTime(w.opensAt),
      closesAt: w.closesAt && formatWindowTime(w.closesAt)
    }
  }
  const result = summary.result?.rollingmaintenance
  return {
    id: summary.id,
    status: summary.status,
    request,
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
      message: progressMessage(summary, window, clusters),
      paused: summary.status === 'paused' ? summary.paused : undefined,
      failures: {
        count: summary.failures,
        max: failureLimit({ forced: request.forced, maxFailures: request.maxFailures ?? 0 })
      },
      canary: request.canary === undefined ? undefined : { size: request.canary, reached: summary.canaryDone },
      window
    },
    result: summary.result,
    retryOf: summary.retryOf,
    audit: summary.audit
  }
}
