import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InventoryError } from '../../shared/errors/inventory-error.js'
import { buildInventory, loadInventory } from '../../shared/load-inventory.js'

const SOURCE = '/etc/rollmaint/inventory.yaml'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ4dGVzdGtleQ'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-inventory-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function writeInventory(name: string, text: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, text)
  return file
}

/** One zone, one pod, one cluster, two hosts: small documents to break one field at a time. */
function smallDoc(): { defaults?: Record<string, unknown>; zones: Array<Record<string, unknown>> } & Record<
  string,
  unknown
> {
  return {
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
                name: 'cluster1',
                hosts: [
                  { id: 'h1', name: 'kvm1', address: '10.0.0.11', hostKey: KEY },
                  { id: 'h2', name: 'kvm2', address: '10.0.0.12', hostKey: KEY }
                ]
              }
            ]
          }
        ]
      }
    ]
  }
}

type Host = Record<string, unknown>
function hostOf(doc: ReturnType<typeof smallDoc>, i: number): Host {
  const zone = doc.zones[0] as { pods: Array<{ clusters: Array<{ hosts: Host[] }> }> }
  return zone.pods[0]!.clusters[0]!.hosts[i]!
}

/** buildInventory must throw an InventoryError; returns it. */
function inventoryError(run: () => unknown): InventoryError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError)
    return err as InventoryError
  }
  throw new Error('the inventory was accepted')
}

const SPEC_EXAMPLE = `
defaults:                      # every host field may be set here and overridden per host
  user: root
  port: 22
  privateKeyPath: ~/.ssh/id_ed25519
  knownHostsPath: ~/.ssh/known_hosts   # used when a host has no hostKey
  hooksDir: /etc/rollmaint/hooks
zones:
  - id: 6f3c9827-6e99-4c63-b7d5-e8f427f6dcff
    name: zone1
    pods:
      - id: 0b1e0000-0000-4000-8000-000000000001
        name: pod1
        clusters:
          - id: 3c1a0000-0000-4000-8000-000000000001
            name: cluster1
            hosts:
              - id: 86c0b59f-89de-40db-9b30-251f851e869f
                name: kvm1
                address: 10.0.0.11
                port: 22
                hostKey: "${KEY}"
                hypervisor: KVM
                enabled: true
              - id: ef10dacd-ac4e-4ec0-bc8d-7fb5bb461c9d
                name: kvm2
                address: kvm2.example.org
`

describe('inventory: the documented example loads (docs/inventory.md)', () => {
  it('builds zones, pods, clusters and hosts with their links', () => {
    const file = writeInventory('spec-example.yaml', SPEC_EXAMPLE)
    const inv = loadInventory(file)
    expect(inv.source).toBe(file)
    expect([...inv.zones.keys()]).toEqual(['6f3c9827-6e99-4c63-b7d5-e8f427f6dcff'])
    expect(inv.zones.get('6f3c9827-6e99-4c63-b7d5-e8f427f6dcff')).toEqual({
      id: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
      name: 'zone1',
      podIds: ['0b1e0000-0000-4000-8000-000000000001']
    })
    expect(inv.pods.get('0b1e0000-0000-4000-8000-000000000001')).toEqual({
      id: '0b1e0000-0000-4000-8000-000000000001',
      name: 'pod1',
      zoneId: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
      clusterIds: ['3c1a0000-0000-4000-8000-000000000001']
    })
    expect(inv.clusters.get('3c1a0000-0000-4000-8000-000000000001')).toEqual({
      id: '3c1a0000-0000-4000-8000-000000000001',
      name: 'cluster1',
      zoneId: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
      podId: '0b1e0000-0000-4000-8000-000000000001',
      hostIds: ['86c0b59f-89de-40db-9b30-251f851e869f', 'ef10dacd-ac4e-4ec0-bc8d-7fb5bb461c9d']
    })
    expect(inv.hosts.get('86c0b59f-89de-40db-9b30-251f851e869f')).toEqual({
      id: '86c0b59f-89de-40db-9b30-251f851e869f',
      name: 'kvm1',
      address: '10.0.0.11',
      port: 22,
      user: 'root',
      privateKeyPath: path.join(os.homedir(), '.ssh/id_ed25519'),
      hostKey: KEY,
      knownHostsPath: path.join(os.homedir(), '.ssh/known_hosts'),
      hooksDir: '/etc/rollmaint/hooks',
      stateDir: '/var/lib/rollmaint',
      bootIdPath: '/proc/sys/kernel/random/boot_id',
      executor: 'detached',
      hypervisor: 'KVM',
      enabled: true,
      maintenance: { driver: 'none' },
      zoneId: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
      podId: '0b1e0000-0000-4000-8000-000000000001',
      clusterId: '3c1a0000-0000-4000-8000-000000000001'
    })
    const kvm2 = inv.hosts.get('ef10dacd-ac4e-4ec0-bc8d-7fb5bb461c9d')!
    expect(kvm2.address).toBe('kvm2.example.org')
    expect(kvm2.hostKey).toBeUndefined()
  })
})

describe('defaults: every host field may be set in defaults and overridden per host (docs/inventory.md)', () => {
  it('applies built-in defaults when neither defaults nor host set a field', () => {
    const inv = buildInventory(smallDoc(), SOURCE)
    const h1 = inv.hosts.get('h1')!
    expect(h1.user).toBe('root')
    expect(h1.port).toBe(22)
    expect(h1.hooksDir).toBe('/etc/rollmaint/hooks')
    expect(h1.hypervisor).toBe('KVM')
    expect(h1.enabled).toBe(true)
    expect(h1.privateKeyPath).toBeUndefined()
    expect(h1.knownHostsPath).toBeUndefined()
  })

  it('applies the defaults block to every host and lets one host override it', () => {
    const doc = smallDoc()
    doc.defaults = {
      user: 'ops',
      port: 2222,
      hooksDir: '/opt/hooks',
      stateDir: '/var/tmp/rm',
      bootIdPath: '/tmp/boot_id',
      privateKeyPath: '/keys/id_ed25519',
      knownHostsPath: '/keys/known_hosts',
      hypervisor: 'KVM',
      enabled: true
    }
    Object.assign(hostOf(doc, 1), {
      user: 'admin',
      port: 22022,
      hooksDir: '/srv/hooks',
      stateDir: '/srv/state',
      bootIdPath: '/srv/boot_id',
      privateKeyPath: '/other/key',
      knownHostsPath: '/other/known_hosts',
      hypervisor: 'VMware',
      enabled: false
    })
    const inv = buildInventory(doc, SOURCE)
    expect(inv.hosts.get('h1')).toMatchObject({
      user: 'ops',
      port: 2222,
      hooksDir: '/opt/hooks',
      stateDir: '/var/tmp/rm',
      bootIdPath: '/tmp/boot_id',
      privateKeyPath: '/keys/id_ed25519',
      knownHostsPath: '/keys/known_hosts',
      hypervisor: 'KVM',
      enabled: true
    })
    expect(inv.hosts.get('h2')).toMatchObject({
      user: 'admin',
      port: 22022,
      hooksDir: '/srv/hooks',
      stateDir: '/srv/state',
      bootIdPath: '/srv/boot_id',
      privateKeyPath: '/other/key',
      knownHostsPath: '/other/known_hosts',
      hypervisor: 'VMware',
      enabled: false
    })
  })

  it('expands ~ in privateKeyPath and knownHostsPath, from defaults and per host', () => {
    const doc = smallDoc()
    doc.defaults = { privateKeyPath: '~/.ssh/id_ed25519', knownHostsPath: '~' }
    hostOf(doc, 1).privateKeyPath = '~/keys/kvm2'
    const inv = buildInventory(doc, SOURCE)
    expect(inv.hosts.get('h1')!.privateKeyPath).toBe(path.join(os.homedir(), '.ssh', 'id_ed25519'))
    expect(inv.hosts.get('h1')!.knownHostsPath).toBe(os.homedir())
    expect(inv.hosts.get('h2')!.privateKeyPath).toBe(path.join(os.homedir(), 'keys', 'kvm2'))
  })

  it('does not expand ~ in the middle of a path or ~user', () => {
    const doc = smallDoc()
    doc.defaults = { privateKeyPath: '/a/~/key', knownHostsPath: '~bob/known_hosts' }
    const h1 = buildInventory(doc, SOURCE).hosts.get('h1')!
    expect(h1.privateKeyPath).toBe('/a/~/key')
    expect(h1.knownHostsPath).toBe('~bob/known_hosts')
  })

  it('a knownHostsPath in defaults is enough for hosts without hostKey', () => {
    const doc = smallDoc()
    doc.defaults = { knownHostsPath: '/keys/known_hosts' }
    delete hostOf(doc, 0).hostKey
    const h1 = buildInventory(doc, SOURCE).hosts.get('h1')!
    expect(h1.hostKey).toBeUndefined()
    expect(h1.knownHostsPath).toBe('/keys/known_hosts')
  })
})

describe('order: the host order inside a cluster is the order in the file (docs/inventory.md)', () => {
  it('keeps file order in cluster.hostIds and in the hosts map', () => {
    const file = writeInventory(
      'order.yaml',
      `defaults: { hostKey: "${KEY}" }
zones:
  - id: z1
    name: zone1
    pods:
      - id: p1
        name: pod1
        clusters:
          - id: c1
            name: cluster1
            hosts:
              - { id: h-c, name: kvm3, address: 10.0.0.3 }
              - { id: h-a, name: kvm1, address: 10.0.0.1 }
              - { id: h-b, name: kvm2, address: 10.0.0.2 }
          - id: c2
            name: cluster2
            hosts:
              - { id: h-z, name: kvm6, address: 10.0.0.6 }
              - { id: h-y, name: kvm5, address: 10.0.0.5 }
  - id: z2
    name: zone2
    pods:
      - id: p2
        name: pod2
        clusters: []
`
    )
    const inv = loadInventory(file)
    expect(inv.clusters.get('c1')!.hostIds).toEqual(['h-c', 'h-a', 'h-b'])
    expect(inv.clusters.get('c2')!.hostIds).toEqual(['h-z', 'h-y'])
    expect([...inv.hosts.keys()]).toEqual(['h-c', 'h-a', 'h-b', 'h-z', 'h-y'])
    expect([...inv.zones.keys()]).toEqual(['z1', 'z2'])
    expect(inv.pods.get('p1')!.clusterIds).toEqual(['c1', 'c2'])
    expect(inv.pods.get('p2')!.clusterIds).toEqual([])
  })
})

describe('a malformed inventory is refused, naming the file, the path and the problem (docs/inventory.md)', () => {
  it('wrong type: port given as a string', () => {
    const doc = smallDoc()
    hostOf(doc, 1).port = '22'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.file).toBe(SOURCE)
    expect(err.problems).toEqual(['zones[0].pods[0].clusters[0].hosts[1].port: Expected integer (got "22")'])
    expect(err.message).toBe(
      `invalid inventory ${SOURCE}:\n  - zones[0].pods[0].clusters[0].hosts[1].port: Expected integer (got "22")`
    )
  })

  it('wrong type: enabled given as "yes"', () => {
    const doc = smallDoc()
    hostOf(doc, 0).enabled = 'yes'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual(['zones[0].pods[0].clusters[0].hosts[0].enabled: Expected boolean (got "yes")'])
  })

  it('wrong type: zones is not a list', () => {
    const err = inventoryError(() => buildInventory({ zones: { id: 'z1' } }, SOURCE))
    expect(err.problems[0]).toMatch(/^zones: Expected array/)
  })

  it('wrong type: the document is not a mapping', () => {
    const err = inventoryError(() => buildInventory(['z1'], SOURCE))
    expect(err.problems).toEqual(['(top level): Expected object'])
  })

  it('unknown field: a typo like hostkey', () => {
    const doc = smallDoc()
    hostOf(doc, 1).hostkey = KEY
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toHaveLength(1)
    expect(err.problems[0]).toMatch(/^zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[1\]\.hostkey: Unexpected property/)
  })

  it('unknown field in defaults', () => {
    const doc = smallDoc()
    doc.defaults = { prot: 22 }
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual(['defaults.prot: Unexpected property (got 22)'])
  })

  it('unknown field at the top level', () => {
    const err = inventoryError(() => buildInventory({ ...smallDoc(), zone: [] }, SOURCE))
    expect(err.problems[0]).toMatch(/^zone: Unexpected property/)
  })

  it('missing address', () => {
    const doc = smallDoc()
    delete hostOf(doc, 1).address
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual(['zones[0].pods[0].clusters[0].hosts[1].address: Expected required property'])
  })

  it('port 70000 is out of range', () => {
    const doc = smallDoc()
    hostOf(doc, 1).port = 70000
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual([
      'zones[0].pods[0].clusters[0].hosts[1].port: Expected integer to be less or equal to 65535 (got 70000)'
    ])
  })

  it('port 0 is out of range', () => {
    const doc = smallDoc()
    doc.defaults = { port: 0 }
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems[0]).toMatch(/^defaults\.port: Expected integer to be greater or equal to 1/)
  })

  it('no zones at all', () => {
    const err = inventoryError(() => buildInventory({ zones: [] }, SOURCE))
    expect(err.problems[0]).toMatch(/^zones: Expected array length to be greater or equal to 1/)
  })

  it('an id with a space or comma (ids are passed as comma-separated lists)', () => {
    const doc = smallDoc()
    hostOf(doc, 0).id = 'h1,h3'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems[0]).toMatch(/^zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[0\]\.id: /)
    expect(err.problems[0]).toContain('"h1,h3"')
  })

  it('a hostKey that is not "<type> <base64>"', () => {
    const doc = smallDoc()
    hostOf(doc, 0).hostKey = 'AAAAC3NzaC1lZDI1NTE5'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems[0]).toMatch(/^zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[0\]\.hostKey: /)
  })

  it('duplicate id across kinds: a zone id reused as a host id', () => {
    const doc = smallDoc()
    hostOf(doc, 1).id = 'z1'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual([
      'zones[0].pods[0].clusters[0].hosts[1].id: id "z1" is already used at zones[0]; ids must be unique across the inventory'
    ])
  })

  it('duplicate id across kinds: a cluster id reused as a pod id elsewhere', () => {
    const doc = smallDoc()
    doc.zones.push({ id: 'z2', name: 'zone2', pods: [{ id: 'c1', name: 'pod2', clusters: [] }] })
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual([
      'zones[1].pods[0].id: id "c1" is already used at zones[0].pods[0].clusters[0]; ids must be unique across the inventory'
    ])
  })

  it('duplicate host id inside one cluster', () => {
    const doc = smallDoc()
    hostOf(doc, 1).id = 'h1'
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toEqual([
      'zones[0].pods[0].clusters[0].hosts[1].id: id "h1" is already used at zones[0].pods[0].clusters[0].hosts[0]; ids must be unique across the inventory'
    ])
  })

  it('host with neither hostKey nor knownHostsPath (docs/security.md: no silent accept of host keys)', () => {
    const doc = smallDoc()
    delete hostOf(doc, 1).hostKey
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toHaveLength(1)
    expect(err.problems[0]).toMatch(
      /^zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[1\]: neither hostKey nor knownHostsPath is set/
    )
  })

  it('reports several problems at once', () => {
    const doc = smallDoc()
    hostOf(doc, 0).port = 70000
    delete hostOf(doc, 1).address
    const err = inventoryError(() => buildInventory(doc, SOURCE))
    expect(err.problems).toHaveLength(2)
    expect(err.message).toContain('hosts[0].port')
    expect(err.message).toContain('hosts[1].address')
  })

  it('malformed YAML: names the file and the line', () => {
    const file = writeInventory('broken.yaml', 'zones:\n  - id: z1\n    name: zone1\n   pods: []\n')
    const err = inventoryError(() => loadInventory(file))
    expect(err.file).toBe(file)
    expect(err.message.startsWith(`invalid inventory ${file}:`)).toBe(true)
    expect(err.problems[0]).toMatch(/^line 4: /)
  })

  it('malformed YAML: a duplicate key names its line', () => {
    const file = writeInventory('dupkey.yaml', 'zones:\n  - id: z1\n    name: zone1\n    id: z2\n    pods: []\n')
    const err = inventoryError(() => loadInventory(file))
    expect(err.problems[0]).toMatch(/^line 4: Map keys must be unique/)
  })

  it('a schema error in a file names the file and the path', () => {
    const file = writeInventory(
      'port.yaml',
      SPEC_EXAMPLE.replace('port: 22\n                hostKey', 'port: 70000\n                hostKey')
    )
    const err = inventoryError(() => loadInventory(file))
    expect(err.file).toBe(file)
    expect(err.message).toContain(file)
    expect(err.problems).toEqual([
      'zones[0].pods[0].clusters[0].hosts[0].port: Expected integer to be less or equal to 65535 (got 70000)'
    ])
  })

  it('an empty file', () => {
    const file = writeInventory('empty.yaml', '')
    const err = inventoryError(() => loadInventory(file))
    expect(err.file).toBe(file)
    expect(err.problems).toEqual(['(top level): Expected object'])
  })

  it('missing file', () => {
    const file = path.join(dir, 'does-not-exist.yaml')
    const err = inventoryError(() => loadInventory(file))
    expect(err.file).toBe(file)
    expect(err.problems).toEqual(['cannot read the file: ENOENT'])
    expect(err.message).toContain(file)
    expect(err.code).toBe('INVENTORY_INVALID')
  })
})

describe('cluster gate (docs/api.md#operator-controls)', () => {
  const clusterOf = (doc: ReturnType<typeof smallDoc>): Record<string, unknown> =>
    (doc.zones[0] as { pods: Array<{ clusters: Array<Record<string, unknown>> }> }).pods[0]!.clusters[0]!

  it('a cluster may carry gate (argv) and gateTimeout; both reach the cluster config', () => {
    const doc = smallDoc()
    Object.assign(clusterOf(doc), {
      gate: ['/usr/local/bin/ceph-health', '--cluster', '{cluster.id}'],
      gateTimeout: 600
    })
    const c = buildInventory(doc, SOURCE).clusters.get('c1')!
    expect(c.gate).toEqual(['/usr/local/bin/ceph-health', '--cluster', '{cluster.id}'])
    expect(c.gateTimeout).toBe(600)
    expect(buildInventory(smallDoc(), SOURCE).clusters.get('c1')!.gate).toBeUndefined()
  })

  it('an empty gate, a gate given as one string, or a gateTimeout of 0 are refused', () => {
    for (const [field, value, re] of [
      ['gate', [], /clusters\[0\]\.gate: Expected array length to be greater or equal to 1/],
      ['gate', 'ceph health', /clusters\[0\]\.gate: Expected array/],
      ['gateTimeout', 0, /clusters\[0\]\.gateTimeout: Expected integer to be greater or equal to 1/]
    ] as const) {
      const doc = smallDoc()
      clusterOf(doc)[field] = value
      expect(inventoryError(() => buildInventory(doc, SOURCE)).problems[0]).toMatch(re)
    }
  })
})
