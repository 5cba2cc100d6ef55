import { describe, expect, it } from 'vitest'
import { inventoryFromCloudStack, type ImportSettings } from '../../cli/cloudstack-inventory.js'
import { buildInventory } from '../../shared/load-inventory.js'

const SETTINGS: ImportSettings = {
  url: 'https://cs.example/client/api',
  apiKey: 'AK',
  secretKeyFile: '/etc/rollmaint/cs-secret',
  knownHostsPath: '/etc/rollmaint/known_hosts'
}
const zones = [
  { id: 'z1', name: 'zone1' },
  { id: 'z2', name: 'zone2' }
]
const pods = [
  { id: 'p1', name: 'pod1', zoneid: 'z1' },
  { id: 'p2', name: 'pod2', zoneid: 'z2' }
]
const clusters = [
  { id: 'c1', name: 'c1', podid: 'p1' },
  { id: 'c2', name: 'c2', podid: 'p2' }
]

describe('inventoryFromCloudStack', () => {
  it('keeps CloudStack order, drops places without KVM hosts, keeps Disabled as enabled: false', () => {
    const hosts = [
      { id: 'h2', name: 'kvm2', ipaddress: '10.0.0.2', clusterid: 'c1', resourcestate: 'Disabled' },
      { id: 'h1', name: 'kvm1', ipaddress: '10.0.0.1', clusterid: 'c1', resourcestate: 'PrepareForMaintenance' }
    ]
    const r = inventoryFromCloudStack({ zones, pods, clusters, hosts }, SETTINGS)
    if (!r.ok) throw new Error(r.problem)
    expect(r.hostCount).toBe(2)
    expect(r.doc).toEqual({
      defaults: {
        knownHostsPath: '/etc/rollmaint/known_hosts',
        maintenance: {
          driver: 'cloudstack',
          url: 'https://cs.example/client/api',
          apiKey: 'AK',
          secretKeyFile: '/etc/rollmaint/cs-secret'
        }
      },
      zones: [
        {
          id: 'z1',
          name: 'zone1',
          pods: [
            {
              id: 'p1',
              name: 'pod1',
              clusters: [
                {
                  id: 'c1',
                  name: 'c1',
                  hosts: [
                    { id: 'h2', name: 'kvm2', address: '10.0.0.2', enabled: false },
                    { id: 'h1', name: 'kvm1', address: '10.0.0.1' }
                  ]
                }
              ]
            }
          ]
        }
      ]
    })
    const inv = buildInventory(r.doc, 'import', { readSecretFile: () => 'k' })
    expect(inv.hosts.get('h2')!.enabled).toBe(false)
  })

  it('reports hosts it cannot place instead of dropping them silently', () => {
    const hosts = [
      { id: 'h1', name: 'kvm1', ipaddress: '10.0.0.1', clusterid: 'c1' },
      { id: 'h3', name: 'kvm3', clusterid: 'c1' },
      { id: 'h4', name: 'kvm4', ipaddress: '10.0.0.4', clusterid: 'c-gone' }
    ]
    const r = inventoryFromCloudStack({ zones, pods, clusters, hosts }, SETTINGS)
    expect(r.ok && r.skipped).toEqual([
      'host kvm3: no ipaddress in listHosts',
      '1 host(s) of cluster c-gone: the cluster is not in listClusters'
    ])
  })

  it('no KVM host at all is an error naming the URL', () => {
    expect(inventoryFromCloudStack({ zones, pods, clusters, hosts: [] }, SETTINGS)).toEqual({
      ok: false,
      problem:
        'CloudStack at https://cs.example/client/api has no KVM hosts (listHosts type=Routing hypervisor=KVM returned none)'
    })
  })
})
