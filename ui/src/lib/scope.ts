import type { FleetHost, FleetView } from './api-types.js'

/** What the operator picked in the fleet: any mix of zones, pods, clusters and hosts (docs/user-guide.md#scope). */
export interface ScopeSelection {
  zoneids: string[]
  podids: string[]
  clusterids: string[]
  hostids: string[]
}

export type ScopeKind = keyof ScopeSelection

export const EMPTY_SCOPE: ScopeSelection = { zoneids: [], podids: [], clusterids: [], hostids: [] }

export function isSelected(sel: ScopeSelection, kind: ScopeKind, id: string): boolean {
  return sel[kind].includes(id)
}

export function toggleScope(sel: ScopeSelection, kind: ScopeKind, id: string): ScopeSelection {
  const list = sel[kind]
  return { ...sel, [kind]: list.includes(id) ? list.filter((x) => x !== id) : [...list, id] }
}

export function isEmptyScope(sel: ScopeSelection): boolean {
  return sel.zoneids.length + sel.podids.length + sel.clusterids.length + sel.hostids.length === 0
}

/** The hosts a selection takes in (the union, each once), in fleet order. */
export function hostsInScope(fleet: FleetView, sel: ScopeSelection): FleetHost[] {
  const out: FleetHost[] = []
  for (const zone of fleet.zones) {
    for (const pod of zone.pods) {
      for (const cluster of pod.clusters) {
        for (const host of cluster.hosts) {
          if (
            sel.zoneids.includes(zone.id) ||
            sel.podids.includes(pod.id) ||
            sel.clusterids.includes(cluster.id) ||
            sel.hostids.includes(host.id)
          )
            out.push(host)
        }
      }
    }
  }
  return out
}

/** "zone zone1, cluster c2, host kvm3" from the fleet's names. */
export function describeScope(fleet: FleetView, sel: ScopeSelection): string {
  const parts: string[] = []
  for (const zone of fleet.zones) {
    if (sel.zoneids.includes(zone.id)) parts.push(`zone ${zone.name}`)
    for (const pod of zone.pods) {
      if (sel.podids.includes(pod.id)) parts.push(`pod ${pod.name}`)
      for (const cluster of pod.clusters) {
        if (sel.clusterids.includes(cluster.id)) parts.push(`cluster ${cluster.name}`)
        for (const host of cluster.hosts) if (sel.hostids.includes(host.id)) parts.push(`host ${host.name}`)
      }
    }
  }
  return parts.join(', ')
}
