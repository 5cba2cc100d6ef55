import type { CloudStackObject } from '../shared/cloudstack/cloudstack-client.js'

/** What `rollmaint inventory import --cloudstack` read: CloudStack's list answers, as returned. */
export interface CloudStackListings {
  zones: CloudStackObject[]
  pods: CloudStackObject[]
  clusters: CloudStackObject[]
  /** `listHosts type=Routing hypervisor=KVM` */
  hosts: CloudStackObject[]
}

export interface ImportSettings {
  url: string
  apiKey: string
  /** Absolute path written into the inventory; the key itself never is. */
  secretKeyFile: string
  /** Written into `defaults`: how rollmaint checks the hosts' SSH keys. */
  knownHostsPath: string
  /** Optional `defaults` for SSH (user, privateKeyPath, hooksDir). */
  user?: string | undefined
  privateKeyPath?: string | undefined
  hooksDir?: string | undefined
}

export type ImportResult =
  { ok: true; doc: Record<string, unknown>; hostCount: number; skipped: string[] } | { ok: false; problem: string }

const str = (o: CloudStackObject, key: string): string => (typeof o[key] === 'string' ? (o[key] as string) : '')

/**
 * Turns CloudStack's zones, pods, clusters and KVM routing hosts into an inventory document
 * (docs/inventory.md, with `maintenance: {driver: cloudstack}` in `defaults`: docs/inventory.md#cloudstack). CloudStack's order is kept; places without
 * a KVM host are left out, so the file lists exactly what rollmaint can maintain. Pure.
 */
export function inventoryFromCloudStack(listings: CloudStackListings, settings: ImportSettings): ImportResult {
  const skipped: string[] = []
  const hostsByCluster = new Map<string, Array<Record<string, unknown>>>()
  for (const h of listings.hosts) {
    const id = str(h, 'id')
    const clusterId = str(h, 'clusterid')
    const address = str(h, 'ipaddress')
    if (!id || !clusterId || !address) {
      skipped.push(
        `host ${str(h, 'name') || id || '?'}: no ${!id ? 'id' : !clusterId ? 'clusterid' : 'ipaddress'} in listHosts`
      )
      continue
    }
    const entry: Record<string, unknown> = { id, name: str(h, 'name') || id, address }
    // an administrator's Disabled is kept; maintenance states are transient and are not
    if (str(h, 'resourcestate') === 'Disabled') entry.enabled = false
    const list = hostsByCluster.get(clusterId) ?? []
    list.push(entry)
    hostsByCluster.set(clusterId, list)
  }
  const clusterIds = new Set(listings.clusters.map((c) => str(c, 'id')))
  for (const [clusterId, hosts] of hostsByCluster) {
    if (!clusterIds.has(clusterId))
      skipped.push(`${hosts.length} host(s) of cluster ${clusterId}: the cluster is not in listClusters`)
  }

  let hostCount = 0
  const zones = listings.zones
    .map((z) => ({
      id: str(z, 'id'),
      name: str(z, 'name') || str(z, 'id'),
      pods: listings.pods
        .filter((p) => str(p, 'zoneid') === str(z, 'id'))
        .map((p) => ({
          id: str(p, 'id'),
          name: str(p, 'name') || str(p, 'id'),
          clusters: listings.clusters
            .filter((c) => str(c, 'podid') === str(p, 'id'))
            .map((c) => {
              const hosts = hostsByCluster.get(str(c, 'id')) ?? []
              hostCount += hosts.length
              return { id: str(c, 'id'), name: str(c, 'name') || str(c, 'id'), hosts }
            })
            .filter((c) => c.hosts.length > 0)
        }))
        .filter((p) => p.clusters.length > 0)
    }))
    .filter((z) => z.pods.length > 0)

  if (zones.length === 0) {
    return {
      ok: false,
      problem: `CloudStack at ${settings.url} has no KVM hosts (listHosts type=Routing hypervisor=KVM returned none)`
    }
  }
  const defaults: Record<string, unknown> = {
    ...(settings.user ? { user: settings.user } : {}),
    ...(settings.privateKeyPath ? { privateKeyPath: settings.privateKeyPath } : {}),
    knownHostsPath: settings.knownHostsPath,
    ...(settings.hooksDir ? { hooksDir: settings.hooksDir } : {}),
    maintenance: {
      driver: 'cloudstack',
      url: settings.url,
      apiKey: settings.apiKey,
      secretKeyFile: settings.secretKeyFile
    }
  }
  return { ok: true, doc: { defaults, zones }, hostCount, skipped }
}
