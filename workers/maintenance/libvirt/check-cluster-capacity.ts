import type { Logger } from 'pino'
import type { HostConfig, Inventory } from '../../../shared/types.js'
import type { CapacitySnapshot } from '../../../store/cluster/capacity-snapshot.js'
import type { HostExecutor } from '../../host-executor.js'
import { planClusterEvacuation, type ClusterEvacuationPlan } from '../plan-evacuation.js'
import { inventoryLibvirtSettings, type LibvirtSettingsOf } from './libvirt-settings.js'
import { readClusterLoad, toClusterHostLoad } from './read-cluster-load.js'

export interface ClusterCapacityVerdict {
  clusterId: string
  clusterName: string
  verdict: 'fits' | 'does-not-fit'
  /** Names the cluster; `OK` when it fits. */
  reason: string
  /** Hosts of the run that cannot be evacuated, each with why (a forced run skips just these). */
  failing: Array<{ hostId: string; reason: string }>
  plan?: ClusterEvacuationPlan | undefined
  snapshot?: CapacitySnapshot | undefined
}

/**
 * docs/inventory.md#capacity-check, done once every PreFlight is in and before any host moves: for each cluster of the run
 * with libvirt hosts, read every host of the cluster (VMs, memory) and simulate the run's
 * evacuations in order. Reads only; the snapshot is returned for the store (dry runs plan with it).
 */
export async function checkClusterCapacity(
  deps: { inventory: Inventory; executor: HostExecutor; logger: Logger; settingsOf?: LibvirtSettingsOf },
  /** Hosts of the run still to be maintained (PreFlight passed), any order. */
  hostIds: readonly string[],
  /** Hosts whose resource state is not Enabled: they take no VM. */
  unavailable: ReadonlySet<string>
): Promise<ClusterCapacityVerdict[]> {
  const settingsOf = deps.settingsOf ?? inventoryLibvirtSettings
  const inRun = new Set(hostIds)
  const clusters = [
    ...new Set(hostIds.map((id) => deps.inventory.hosts.get(id)?.clusterId).filter((c): c is string => c !== undefined))
  ]
  return Promise.all(
    clusters.map(async (clusterId): Promise<ClusterCapacityVerdict | undefined> => {
      const cluster = deps.inventory.clusters.get(clusterId)!
      const hosts = cluster.hostIds
        .map((id) => deps.inventory.hosts.get(id))
        .filter((h): h is HostConfig => h !== undefined)
      const evacuate = hosts.filter((h) => inRun.has(h.id) && settingsOf(h)).map((h) => h.id)
      if (evacuate.length === 0) return undefined
      const loads = await readClusterLoad(hosts, {
        settingsOf,
        unavailable,
        openSession: (h) => deps.executor.open(h),
        alwaysProbe: new Set(evacuate)
      })
      for (const l of loads) l.session?.close()
      const base = { clusterId, clusterName: cluster.name }
      const unreadable = loads.filter((l) => evacuate.includes(l.host.id) && !l.probe)
      if (unreadable.length > 0) {
        const failing = unreadable.map((l) => ({
          hostId: l.host.id,
          reason: `cluster ${cluster.name}: cannot check capacity, host ${l.host.name} ${l.ineligible ?? 'could not be read'}`
        }))
        return { ...base, verdict: 'does-not-fit', reason: failing[0]!.reason, failing }
      }
      const snapshot: CapacitySnapshot = {
        clusterId,
        readAt: new Date().toISOString(),
        hosts: loads.map(toClusterHostLoad)
      }
      const plan = planClusterEvacuation({ clusterName: cluster.name, hosts: snapshot.hosts, evacuate })
      const failing = plan.hosts
        .filter((h) => h.plan.verdict === 'does-not-fit')
        .map((h) => ({
          hostId: h.hostId,
          reason: `cluster ${cluster.name} cannot evacuate host ${h.hostName}: ${h.plan.verdict === 'does-not-fit' ? h.plan.reason : ''}`
        }))
      deps.logger.info({ clusterId, verdict: plan.verdict, failing: failing.length }, 'PreFlight capacity check')
      return { ...base, verdict: plan.verdict, reason: plan.reason, failing, plan, snapshot }
    })
  ).then((all) => all.filter((v): v is ClusterCapacityVerdict => v !== undefined))
}
