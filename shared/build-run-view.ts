import { aggregateResult } from './aggregate-result.js'
import type { HostRunState } from './host-run-state.js'
import type { ClusterProgress, RunView } from './run-view.js'
import type { RunSnapshot } from './store/get-run-snapshot.js'
import type { Inventory, StageName } from './types.js'

const ACTIVE_PHASES = new Set(['PreFlight', 'PreMaintenance', 'EnterMaintenance', 'Maintenance', 'ExitMaintenance', 'PostMaintenance'])

/** Pure: turns a stored run and its hosts into what the API shows, progress included. */
export function buildRunView(snapshot: RunSnapshot, inventory: Inventory): RunView {
  const { run, hosts } = snapshot
  const byId = new Map<string, HostRunState>(hosts.map((h) => [h.hostId, h]))
  // One pass over the hosts, not one per cluster: a run may hold thousands of clusters.
  const idsByCluster = new Map<string, string[]>()
  for (const id of run.hostIds) {
    const clusterId = inventory.hosts.get(id)?.clusterId
    if (clusterId === undefined) continue
    const list = idsByCluster.get(clusterId)
    if (list) list.push(id)
    else idsByCluster.set(clusterId, [id])
  }
  const clusters: ClusterProgress[] = run.clusterIds.map((clusterId) => {
    const cluster = inventory.clusters.get(clusterId)
    const ids = idsByCluster.get(clusterId) ?? []
    const current = ids.map((id) => byId.get(id)).find((h) => h && ACTIVE_PHASES.has(h.phase))
    return {
      clusterId,
      clusterName: cluster?.name ?? clusterId,
      hostsTotal: ids.length,
      hostsDone: ids.filter((id) => byId.get(id)?.phase === 'done').length,
      currentHostId: current?.hostId,
      currentHostName: current?.hostName,
      currentStage: current ? (current.phase as StageName | 'EnterMaintenance' | 'ExitMaintenance') : undefined,
    }
  })
  const live = run.result ?? (hosts.length > 0 ? aggregateResult(hosts) : undefined)
  return {
    id: run.id,
    status: run.status,
    request: run.request,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    progress: {
      hostsTotal: run.hostIds.length,
      hostsDone: hosts.filter((h) => h.phase === 'done').length,
      hostsUpdated: live?.rollingmaintenance.hostsupdated.length ?? 0,
      hostsSkipped: live?.rollingmaintenance.hostsskipped.length ?? 0,
      clusters,
    },
    result: run.result,
  }
}
