import type { FleetCluster, FleetHost, FleetPod, FleetView, FleetZone } from './fleet-view.js'
import type { HostView, RunView } from './run-view.js'
import type { Inventory, RunStatus } from './types.js'

/** Pure: host id → VM count and reading time, from capacity snapshots (`{readAt, hosts: [{hostId, vms}]}`). */
export function vmCounts(
  snapshots: ReadonlyArray<{ readAt: string; hosts: ReadonlyArray<{ hostId: string; vms: readonly unknown[] }> }>
): Map<string, { count: number; readAt: string }> {
  const out = new Map<string, { count: number; readAt: string }>()
  for (const snap of snapshots)
    for (const h of snap.hosts) out.set(h.hostId, { count: h.vms.length, readAt: snap.readAt })
  return out
}

const ACTIVE: ReadonlySet<RunStatus | 'paused'> = new Set(['queued', 'running', 'paused'])

/** Whether a run's scope takes in a host: the union of every id kind (docs/user-guide.md#scope). */
export function runCoversHost(
  run: Pick<RunView, 'request'>,
  host: { id: string; zoneId: string; podId: string; clusterId: string }
): boolean {
  const r = run.request
  return (
    r.hostids.includes(host.id) ||
    r.clusterids.includes(host.clusterId) ||
    r.podids.includes(host.podId) ||
    r.zoneids.includes(host.zoneId)
  )
}

/**
 * Pure: the inventory's tree with each host's resource state (as kept in Redis) and the active
 * runs placed on the clusters and hosts they cover. `runs` may hold finished runs; they are ignored.
 */
export function buildFleetView(
  inventory: Inventory,
  hosts: HostView[],
  runs: RunView[],
  /** VMs per host as a driver last read them (libvirt's capacity snapshots). */
  vms: ReadonlyMap<string, { count: number; readAt: string }> = new Map()
): FleetView {
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
          const view = states.get(hostId)
          const vm = vms.get(hostId)
          const inRun = clusterRun && runCoversHost(clusterRun, host) ? clusterRun : undefined
          fleetHosts.push({
            id: host.id,
            name: host.name,
            address: host.address,
            hypervisor: host.hypervisor,
            enabled: host.enabled,
            resourceState: view?.resourceState ?? (host.enabled ? 'Enabled' : 'Disabled'),
            driver: host.maintenance.driver,
            vmCount: vm?.count,
            vmsReadAt: vm?.readAt,
            runId: inRun?.id,
            stage: inRun && progress?.currentHostId === host.id ? progress.currentStage : undefined
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
