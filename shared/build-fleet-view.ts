import type { FleetCluster, FleetHost, FleetPod, FleetView, FleetZone } from './fleet-view.js'
import type { HostView, RunView } from './run-view.js'
import type { Inventory, RunStatus } from './types.js'

const ACTIVE: ReadonlySet<RunStatus | 'paused'> = new Set(['queued', 'running', 'paused'])

/** Whether a run's scope takes in a host: the union of every id kind (spec 3.1). */
export function runCoversHost(run: Pick<RunView, 'request'>, host: { id: string; zoneId: string; podId: string; clusterId: string }): boolean {
  const r = run.request
  return r.hostids.includes(host.id) || r.clusterids.includes(host.clusterId) || r.podids.includes(host.podId) || r.zoneids.includes(host.zoneId)
}

/**
 * Pure: the inventory's tree with each host's resource state (as kept in Redis) and the active
 * runs placed on the clusters and hosts they cover. `runs` may hold finished runs; they are ignored.
 */
export function buildFleetView(inventory: Inventory, hosts: HostView[], runs: RunView[]): FleetView {
  const states = new Map(hosts.map((h) => [h.id, h]))
  const active = runs.filter((r) => ACTIVE.has(r.status))
  const zones: FleetZone[] = []
  for (const zone of inventory.zones.values()) {
    const pods: FleetPod[] = []
    for (const podId of zone.podIds) {
      const pod = inventory.pods.get(podId)
      if (!pod) continue
      const clusters: FleetCluster[] = []
      for (const clusterId of pod.clusterIds) {
        const cluster = inventory.clusters.get(clusterId)
        if (!cluster) continue
        const clusterRun = active.find((r) => r.progress.clusters.some((c) => c.clusterId === clusterId))
        const progress = clusterRun?.progress.clusters.find((c) => c.clusterId === clusterId)
        const fleetHosts: FleetHost[] = []
        for (const hostId of cluster.hostIds) {
          const host = inventory.hosts.get(hostId)
          if (!host) continue
          // A driver that knows the host's VMs may add their count to its state.
          const view = states.get(hostId) as (HostView & { vmCount?: unknown }) | undefined
          const inRun = clusterRun && runCoversHost(clusterRun, host) ? clusterRun : undefined
          fleetHosts.push({
            id: host.id,
            name: host.name,
            address: host.address,
            hypervisor: host.hypervisor,
            enabled: host.enabled,
            resourceState: view?.resourceState ?? (host.enabled ? 'Enabled' : 'Disabled'),
            driver: host.maintenance.driver,
            vmCount: typeof view?.vmCount === 'number' ? view.vmCount : undefined,
            runId: inRun?.id,
            stage: inRun && progress?.currentHostId === host.id ? progress.currentStage : undefined,
          })
        }
        clusters.push({ id: cluster.id, name: cluster.name, runId: clusterRun?.id, hosts: fleetHosts })
      }
      pods.push({ id: pod.id, name: pod.name, clusters })
    }
    zones.push({ id: zone.id, name: zone.name, pods })
  }
  return { zones }
}
