import type { FleetView, RunRequestView } from './api-types.js'

/** Id → name for every zone, pod, cluster and host of the fleet. */
export function fleetNames(fleet: FleetView | undefined): Map<string, string> {
  const names = new Map<string, string>()
  for (const z of fleet?.zones ?? []) {
    names.set(z.id, z.name)
    for (const p of z.pods) {
      names.set(p.id, p.name)
      for (const c of p.clusters) {
        names.set(c.id, c.name)
        for (const h of c.hosts) names.set(h.id, h.name)
      }
    }
  }
  return names
}

/** "zones zone1, zone2 · cluster c3" for a run's request. */
export function describeRequest(
  r: Pick<RunRequestView, 'zoneids' | 'podids' | 'clusterids' | 'hostids'>,
  names: Map<string, string>
): string {
  const part = (label: string, ids: string[]) =>
    ids.length === 0 ? '' : `${label}${ids.length > 1 ? 's' : ''} ${ids.map((id) => names.get(id) ?? id).join(', ')}`
  return [part('zone', r.zoneids), part('pod', r.podids), part('cluster', r.clusterids), part('host', r.hostids)]
    .filter(Boolean)
    .join(' · ')
}
