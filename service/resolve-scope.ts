import { ScopeError } from '../shared/errors/scope-error.js'
import type { Inventory, RunRequest } from '../shared/types.js'

export interface ResolvedScope {
  /** Every host of the run, once, in inventory order. */
  hostIds: string[]
  /** Clusters touched by the run, in inventory order. */
  clusterIds: string[]
}

const KINDS = ['zoneids', 'podids', 'clusterids', 'hostids'] as const

/**
 * docs/user-guide.md#scope: the union of every kind of id, each host once. CloudStack silently uses only the first
 * non-empty kind; we take them all and refuse unknown ids instead of ignoring them. Pure.
 */
export function resolveScope(inventory: Inventory, request: Pick<RunRequest, (typeof KINDS)[number]>): ResolvedScope {
  if (KINDS.every((k) => request[k].length === 0)) {
    throw new ScopeError('no scope given: set at least one of zoneids, podids, clusterids, hostids')
  }
  const lookups = {
    zoneids: inventory.zones,
    podids: inventory.pods,
    clusterids: inventory.clusters,
    hostids: inventory.hosts
  } as const
  const unknown = KINDS.flatMap((k) => {
    const missing = request[k].filter((id) => !lookups[k].has(id))
    return missing.length > 0 ? [`unknown ${k}: ${missing.join(', ')}`] : []
  })
  if (unknown.length > 0) throw new ScopeError(`${unknown.join('; ')} (not in inventory ${inventory.source})`)

  const wanted = new Set<string>()
  const zones = new Set(request.zoneids)
  const pods = new Set(request.podids)
  const clusters = new Set(request.clusterids)
  const hosts = new Set(request.hostids)
  for (const host of inventory.hosts.values()) {
    if (zones.has(host.zoneId) || pods.has(host.podId) || clusters.has(host.clusterId) || hosts.has(host.id)) {
      wanted.add(host.id)
    }
  }
  if (wanted.size === 0) throw new ScopeError('the requested zones, pods and clusters contain no hosts')
  // Map iteration follows insertion, i.e. file order: the processing order inside a cluster.
  const hostIds = [...inventory.hosts.keys()].filter((id) => wanted.has(id))
  const clusterIds = [...new Set(hostIds.map((id) => inventory.hosts.get(id)!.clusterId))]
  return { hostIds, clusterIds }
}
