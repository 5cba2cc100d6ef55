import { buildInventory, type BuildInventoryOptions } from '../../shared/load-inventory.js'
import type { Inventory } from '../../shared/types.js'

/** A pinned host key that parses; the hosts of a test inventory that uses it are never dialled. */
export const TEST_HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'

/** An id whose name is itself, or both spelled out. */
export type Named = string | { id: string; name: string }

/**
 * A host: a bare id (name = id, an address under `.invalid` that never resolves), or the fields of
 * an inventory host entry (docs/inventory.md#fields) with `name` defaulting to the id.
 */
export type HostOf = string | ({ id: string; name?: string; address?: string } & Record<string, unknown>)

/** A cluster and where it sits; other fields (gate, maintenance, ...) go into the entry as written. */
export interface ClusterOf extends Record<string, unknown> {
  id: string
  name?: string
  /** Default `{ id: 'z1', name: 'zone1' }`. */
  zone?: Named
  /** Default `{ id: 'p1', name: 'pod1' }`; pods are told apart by id within their zone. */
  pod?: Named
  hosts: readonly HostOf[]
}

export interface InventorySpec {
  /** The document's `defaults:` block; `{ hostKey: TEST_HOST_KEY }` when not given. */
  defaults?: Record<string, unknown>
  /** In inventory order: zones and pods appear in the order their first cluster does. */
  clusters: readonly ClusterOf[]
}

interface DocCluster extends Record<string, unknown> {
  id: string
  name: string
  hosts: Array<Record<string, unknown>>
}
interface DocPod {
  id: string
  name: string
  clusters: DocCluster[]
}
/** The inventory file's document (docs/inventory.md#file-format), as written to YAML. */
export interface InventoryDoc {
  defaults: Record<string, unknown>
  zones: Array<{ id: string; name: string; pods: DocPod[] }>
}

const named = (n: Named): { id: string; name: string } => (typeof n === 'string' ? { id: n, name: n } : n)

const hostEntry = (h: HostOf): Record<string, unknown> =>
  typeof h === 'string' ? { id: h, name: h, address: `${h}.invalid` } : { ...h, name: h.name ?? h.id }

/** The inventory document for a few clusters, grouped into zones and pods: what tests write to a file. */
export function inventoryDocOf(spec: InventorySpec): InventoryDoc {
  const zones: InventoryDoc['zones'] = []
  for (const {
    zone = { id: 'z1', name: 'zone1' },
    pod = { id: 'p1', name: 'pod1' },
    hosts,
    ...fields
  } of spec.clusters) {
    const z = named(zone)
    const p = named(pod)
    let docZone = zones.find((x) => x.id === z.id)
    if (!docZone) zones.push((docZone = { ...z, pods: [] }))
    let docPod = docZone.pods.find((x) => x.id === p.id)
    if (!docPod) docZone.pods.push((docPod = { ...p, clusters: [] }))
    docPod.clusters.push({ ...fields, name: fields.name ?? fields.id, hosts: hosts.map(hostEntry) })
  }
  return { defaults: spec.defaults ?? { hostKey: TEST_HOST_KEY }, zones }
}

/** The parsed inventory for a few clusters (see inventoryDocOf), as the product loads it. */
export function inventoryOf(
  spec: InventorySpec,
  source = 'test-inventory',
  options: BuildInventoryOptions = {}
): Inventory {
  return buildInventory(inventoryDocOf(spec), source, options)
}
