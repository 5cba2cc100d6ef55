import type { FleetHost, FleetView } from './api-types.js'

export const RESOURCE_STATES = [
  'Enabled',
  'Disabled',
  'PrepareForMaintenance',
  'Maintenance',
  'ErrorInMaintenance'
] as const

/** Hosts per resource state, for the filter's labels. */
export function countByState(fleet: FleetView): Map<string, number> {
  const counts = new Map<string, number>()
  for (const z of fleet.zones)
    for (const p of z.pods)
      for (const c of p.clusters)
        for (const h of c.hosts) counts.set(h.resourceState, (counts.get(h.resourceState) ?? 0) + 1)
  return counts
}

const matches = (h: FleetHost, state: string, text: string): boolean =>
  (state === '' || h.resourceState === state) &&
  (text === '' || h.name.toLowerCase().includes(text) || h.address.toLowerCase().includes(text))

/** Pure: the fleet with only the hosts in `state` (all when empty) whose name or address contains `text`; empty branches dropped. */
export function filterFleet(fleet: FleetView, state: string, text: string): FleetView {
  const t = text.trim().toLowerCase()
  if (state === '' && t === '') return fleet
  return {
    zones: fleet.zones
      .map((z) => ({
        ...z,
        pods: z.pods
          .map((p) => ({
            ...p,
            clusters: p.clusters
              .map((c) => ({ ...c, hosts: c.hosts.filter((h) => matches(h, state, t)) }))
              .filter((c) => c.hosts.length > 0)
          }))
          .filter((p) => p.clusters.length > 0)
      }))
      .filter((z) => z.pods.length > 0)
  }
}
