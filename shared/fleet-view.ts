import type { HostView, RunView } from './run-view.js'
import type { Inventory, RunStatus } from './types.js'

/** The fleet as the console shows it: zones → pods → clusters → hosts, in inventory order. */
export interface FleetView {
  zones: FleetZone[]
}
export interface FleetZone {
  id: string
  name: string
  pods: FleetPod[]
}
export interface FleetPod {
  id: string
  name: string
  clusters: FleetCluster[]
}
export interface FleetCluster {
  id: string
  name: string
  /** The active run that holds this cluster, if any. */
  runId?: string | undefined
  hosts: FleetHost[]
}
export interface FleetHost {
  id: string
  name: string
  address: string
  hypervisor: string
  enabled: boolean
  resourceState: string
  /** The maintenance driver (`none`, `libvirt`, ...) when the inventory names one. */
  driver?: string | undefined
  /** Running VMs, where the host's driver reports them. */
  vmCount?: number | undefined
  /** The active run this host belongs to, and where that run is with it. */
  runId?: string | undefined
  stage?: string | undefined
}

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
          const view = states.get(hostId) as (HostView & { vmCount?: unknown }) | undefined
          const maintenance = (host as { maintenance?: { driver?: unknown } }).maintenance
          const inRun = clusterRun && runCoversHost(clusterRun, host) ? clusterRun : undefined
          fleetHosts.push({
            id: host.id,
            name: host.name,
            address: host.address,
            hypervisor: host.hypervisor,
            enabled: host.enabled,
            resourceState: view?.resourceState ?? (host.enabled ? 'Enabled' : 'Disabled'),
            driver: typeof maintenance?.driver === 'string' ? maintenance.driver : undefined,
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
