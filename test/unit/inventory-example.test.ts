import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadInventory } from '../../shared/load-inventory.js'
import { resolveScope } from '../../service/resolve-scope.js'

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../inventory.example.yaml')
const ZONE1 = '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff'
const ZONE2 = 'ce831d12-c2df-4b11-bec9-684dcc292c18'

describe('inventory.example.yaml (the seed second example) loads (docs/inventory.md)', () => {
  const inv = loadInventory(EXAMPLE)

  it('has 2 zones, 3 clusters and 9 hosts', () => {
    expect([...inv.zones.keys()]).toEqual([ZONE1, ZONE2])
    expect(inv.clusters.size).toBe(3)
    expect(inv.hosts.size).toBe(9)
    expect([...inv.clusters.values()].map((c) => [c.zoneId, c.hostIds.length])).toEqual([
      [ZONE1, 3],
      [ZONE1, 3],
      [ZONE2, 3]
    ])
  })

  it('applies the defaults block to every host', () => {
    for (const host of inv.hosts.values()) {
      expect(host).toMatchObject({
        user: 'root',
        port: 22,
        privateKeyPath: '/etc/rollmaint/ssh/id_ed25519',
        knownHostsPath: '/etc/rollmaint/ssh/known_hosts',
        hooksDir: '/etc/rollmaint/hooks',
        hypervisor: 'KVM',
        enabled: true
      })
      expect(host.address).toMatch(/^10\.0\.0\.\d{1,3}$/)
    }
  })

  it('resolving both zones gives the hosts in the order of the seed result', () => {
    const { hostIds } = resolveScope(inv, { zoneids: [ZONE1, ZONE2], podids: [], clusterids: [], hostids: [] })
    expect(hostIds.map((id) => inv.hosts.get(id)!.name)).toEqual([
      'ref-trl-711-k-M7-apanic-kvm1',
      'ref-trl-711-k-M7-apanic-kvm2',
      'ref-trl-711-k-M7-apanic-kvm3',
      'ref-trl-711-k-M7-apanic-kvm6',
      'ref-trl-711-k-M7-apanic-kvm5',
      'ref-trl-711-k-M7-apanic-kvm4',
      'ref-trl-714-k-M7-apanic-kvm3',
      'ref-trl-714-k-M7-apanic-kvm1',
      'ref-trl-714-k-M7-apanic-kvm2'
    ])
    expect(hostIds).toEqual([
      '86c0b59f-89de-40db-9b30-251f851e869f',
      'ef10dacd-ac4e-4ec0-bc8d-7fb5bb461c9d',
      'fcc8b96e-1c29-492e-a074-96babec70ecc',
      '4a732078-2f5d-4bf1-8425-2135004a6b1a',
      '8f27f11a-9c60-4c30-8622-0e1bce718adc',
      'adbbfc34-9369-4a15-93dc-7ed85756c24e',
      '59159ade-f5c3-4606-9174-e501301f59d4',
      'b0f54409-4874-4573-9c24-8efac5b07f6f',
      '02228e26-a0d6-4607-824d-501ae5ac8dab'
    ])
  })
})
