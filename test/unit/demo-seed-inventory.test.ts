import { describe, expect, it } from 'vitest'
import { buildSeedInventory } from '../../demo/build-seed-inventory.js'
import { SEED_ZONES } from '../../demo/seed-fleet.js'
import type { SimFleet } from '../../demo/sim-ssh-host.js'
import { buildInventory } from '../../shared/load-inventory.js'

/** A fleet as startSimFleet describes it, without starting anything. */
function fakeFleet(): SimFleet {
  const names = SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts.map((h) => h.name)))
  return {
    hosts: names.map((name, i) => ({
      name,
      address: '127.0.0.1',
      port: 40_000 + i,
      hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(i).padStart(2, '0')}placeholder`,
      hooksDir: `/sim/${name}/hooks`,
      stateDir: `/sim/${name}/state`,
      bootIdPath: `/sim/${name}/boot_id`
    })),
    privateKeyPath: '/sim/client_ed25519',
    baseDir: '/sim',
    stop: async () => undefined
  }
}

describe("demo: the seed's second example as an inventory", () => {
  it('is a valid inventory (docs/inventory.md): 2 zones, 3 clusters, 9 hosts with the seed ids, names and order', () => {
    const inv = buildInventory(buildSeedInventory(fakeFleet()), 'demo')
    expect([...inv.zones.values()].map((z) => [z.id, z.name])).toEqual([
      ['6f3c9827-6e99-4c63-b7d5-e8f427f6dcff', 'zone1'],
      ['ce831d12-c2df-4b11-bec9-684dcc292c18', 'zone2']
    ])
    const clusters = [...inv.clusters.values()].map((c) => ({
      name: c.name,
      zone: c.zoneId,
      hosts: c.hostIds.map((id) => inv.hosts.get(id)!.name)
    }))
    expect(clusters).toEqual([
      {
        name: 'cluster1',
        zone: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
        hosts: ['ref-trl-711-k-M7-apanic-kvm1', 'ref-trl-711-k-M7-apanic-kvm2', 'ref-trl-711-k-M7-apanic-kvm3']
      },
      {
        name: 'cluster2',
        zone: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
        hosts: ['ref-trl-711-k-M7-apanic-kvm6', 'ref-trl-711-k-M7-apanic-kvm5', 'ref-trl-711-k-M7-apanic-kvm4']
      },
      {
        name: 'cluster3',
        zone: 'ce831d12-c2df-4b11-bec9-684dcc292c18',
        hosts: ['ref-trl-714-k-M7-apanic-kvm3', 'ref-trl-714-k-M7-apanic-kvm1', 'ref-trl-714-k-M7-apanic-kvm2']
      }
    ])
    // the ids printed in the seed's output
    expect(inv.hosts.get('86c0b59f-89de-40db-9b30-251f851e869f')?.name).toBe('ref-trl-711-k-M7-apanic-kvm1')
    expect(inv.hosts.get('adbbfc34-9369-4a15-93dc-7ed85756c24e')?.name).toBe('ref-trl-711-k-M7-apanic-kvm4')
    expect(inv.hosts.get('02228e26-a0d6-4607-824d-501ae5ac8dab')?.name).toBe('ref-trl-714-k-M7-apanic-kvm2')
  })

  it('points each host at its simulated SSH server: port, pinned host key, sandbox paths, the fleet client key', () => {
    const fleet = fakeFleet()
    const inv = buildInventory(
      buildSeedInventory(fleet, () => 'demo-hosts'),
      'demo'
    )
    const kvm5 = [...inv.hosts.values()].find((h) => h.name === 'ref-trl-711-k-M7-apanic-kvm5')!
    const sim = fleet.hosts.find((h) => h.name === kvm5.name)!
    expect(kvm5).toMatchObject({
      address: 'demo-hosts',
      port: sim.port,
      hostKey: sim.hostKey,
      hooksDir: sim.hooksDir,
      stateDir: sim.stateDir,
      bootIdPath: sim.bootIdPath,
      privateKeyPath: '/sim/client_ed25519',
      hypervisor: 'KVM',
      enabled: true
    })
  })
})
