import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { InventoryError } from '../../shared/errors/inventory-error.js'
import { buildInventory, loadInventory } from '../../shared/load-inventory.js'
import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import { substitutePlaceholders } from '../../shared/placeholders.js'

const SOURCE = '/etc/rollmaint/inventory.yaml'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ4dGVzdGtleQ'
const SECRETS: Record<string, string> = { '/keys/cs-secret': 'sEcReT-kEy\n', '/keys/empty': '  \n' }
const readSecretFile = (file: string): string => {
  const value = SECRETS[file]
  if (value === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' })
  return value
}

type Doc = { defaults?: Record<string, unknown>; zones: Array<Record<string, unknown>> }
type Cluster = { id: string; name: string; maintenance?: unknown; hosts: Array<Record<string, unknown>> }

/** Two clusters (c1: h1, h2; c2: h3) so cluster-level blocks can be told apart from defaults. */
function doc(): Doc {
  return {
    defaults: { hostKey: KEY },
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
                  { id: 'h1', name: 'kvm1', address: '10.0.0.11' },
                  { id: 'h2', name: 'kvm2', address: '10.0.0.12' }
                ]
              },
              { id: 'c2', name: 'cluster2', hosts: [{ id: 'h3', name: 'kvm3', address: '10.0.0.13' }] }
            ]
          }
        ]
      }
    ]
  }
}
const clusterOf = (d: Doc, i: number): Cluster =>
  (d.zones[0] as { pods: Array<{ clusters: Cluster[] }> }).pods[0]!.clusters[i]!
const build = (d: Doc) => buildInventory(d, SOURCE, { readSecretFile })
const maintenanceOf = (d: Doc, id: string): MaintenanceConfig => build(d).hosts.get(id)!.maintenance

function problemsOf(d: Doc): string[] {
  try {
    build(d)
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError)
    expect((err as InventoryError).message.startsWith(`invalid inventory ${SOURCE}:`)).toBe(true)
    return (err as InventoryError).problems
  }
  throw new Error('the inventory was accepted')
}

const LIBVIRT_DEFAULTS = {
  driver: 'libvirt',
  libvirtUri: 'qemu:///system',
  migrationUri: 'qemu+ssh://{target.address}/system',
  maxParallelMigrations: 2,
  migrationTimeout: 1800,
  reserveMemoryPercent: 10,
  returnVms: false
}

describe('maintenance block: where it is set and what wins (docs/inventory.md#maintenance-drivers)', () => {
  it('no block anywhere: every host gets {driver: none}', () => {
    const inv = build(doc())
    for (const host of inv.hosts.values()) expect(host.maintenance).toEqual({ driver: 'none' })
  })

  it('defaults.maintenance applies to every host, with docs/inventory.md#maintenance-drivers defaults filled in', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'libvirt' }
    const inv = build(d)
    for (const id of ['h1', 'h2', 'h3']) expect(inv.hosts.get(id)!.maintenance).toEqual(LIBVIRT_DEFAULTS)
  })

  it('a cluster block applies to its hosts only and beats defaults', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'libvirt' }
    clusterOf(d, 0).maintenance = {
      driver: 'command',
      enter: ['/usr/local/bin/drain', '{host.name}'],
      exit: ['/usr/local/bin/undrain', '{host.name}']
    }
    const inv = build(d)
    const command = {
      driver: 'command',
      enter: ['/usr/local/bin/drain', '{host.name}'],
      exit: ['/usr/local/bin/undrain', '{host.name}'],
      timeout: 3600
    }
    expect(inv.hosts.get('h1')!.maintenance).toEqual(command)
    expect(inv.hosts.get('h2')!.maintenance).toEqual(command)
    expect(inv.hosts.get('h3')!.maintenance).toEqual(LIBVIRT_DEFAULTS)
  })

  it('a host block beats its cluster block, as a whole block (no field-by-field merge)', () => {
    const d = doc()
    clusterOf(d, 0).maintenance = { driver: 'libvirt', maxParallelMigrations: 4, reserveMemoryPercent: 20 }
    clusterOf(d, 0).hosts[1]!.maintenance = { driver: 'libvirt', migrationTimeout: 60 }
    expect(maintenanceOf(d, 'h1')).toEqual({ ...LIBVIRT_DEFAULTS, maxParallelMigrations: 4, reserveMemoryPercent: 20 })
    expect(maintenanceOf(d, 'h2')).toEqual({ ...LIBVIRT_DEFAULTS, migrationTimeout: 60 })
  })

  it('a host can opt out with driver none', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'libvirt' }
    clusterOf(d, 0).hosts[0]!.maintenance = { driver: 'none' }
    expect(maintenanceOf(d, 'h1')).toEqual({ driver: 'none' })
    expect(maintenanceOf(d, 'h2')).toEqual(LIBVIRT_DEFAULTS)
  })

  it('libvirt: every field can be set', () => {
    const d = doc()
    const block = {
      driver: 'libvirt',
      libvirtUri: 'qemu+tcp://localhost/system',
      migrationUri: 'qemu+tls://{target.name}.mgmt/system',
      maxParallelMigrations: 1,
      migrationTimeout: 600,
      reserveMemoryPercent: 0,
      returnVms: true
    }
    d.defaults!.maintenance = block
    expect(maintenanceOf(d, 'h3')).toEqual(block)
  })

  it('cloudstack: the secret key is read once at start-up, trimmed, and never printed', () => {
    const d = doc()
    d.defaults!.maintenance = {
      driver: 'cloudstack',
      url: 'https://cs.example/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret'
    }
    const m = maintenanceOf(d, 'h1')
    expect(m).toMatchObject({
      driver: 'cloudstack',
      url: 'https://cs.example/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret',
      pollInterval: 5,
      timeout: 3600
    })
    if (m.driver !== 'cloudstack') throw new Error('not cloudstack')
    expect(m.secretKey.reveal()).toBe('sEcReT-kEy')
    const printed = [
      JSON.stringify(m),
      inspect(m, { depth: 5 }),
      String(m.secretKey),
      `${JSON.stringify({ host: build(d).hosts.get('h2') })}`
    ]
    for (const text of printed) expect(text).not.toContain('sEcReT')
    expect(JSON.stringify(m)).toContain('"secretKey":"[redacted]"')
  })

  it('cloudstack: pollInterval and timeout can be set', () => {
    const d = doc()
    clusterOf(d, 1).maintenance = {
      driver: 'cloudstack',
      url: 'http://127.0.0.1:8096/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret',
      pollInterval: 0.1,
      timeout: 30
    }
    expect(maintenanceOf(d, 'h3')).toMatchObject({ pollInterval: 0.1, timeout: 30 })
    expect(maintenanceOf(d, 'h1')).toEqual({ driver: 'none' })
  })

  it('command: timeout can be set; placeholders inside an argument are allowed', () => {
    const d = doc()
    d.defaults!.maintenance = {
      driver: 'command',
      enter: ['drain', '--host={host.address}', '{cluster.id}'],
      exit: ['undrain', '{host.id}'],
      timeout: 5
    }
    expect(maintenanceOf(d, 'h2')).toEqual({
      driver: 'command',
      enter: ['drain', '--host={host.address}', '{cluster.id}'],
      exit: ['undrain', '{host.id}'],
      timeout: 5
    })
  })

  it('the same block in YAML, loaded from a file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-maint-'))
    try {
      const secret = path.join(dir, 'secret')
      writeFileSync(secret, 'from-file\n', { mode: 0o600 })
      const file = path.join(dir, 'inventory.yaml')
      writeFileSync(
        file,
        `defaults:
  hostKey: "${KEY}"
  maintenance:
    driver: libvirt
    migrationUri: qemu+ssh://{target.address}/system
    maxParallelMigrations: 2
zones:
  - id: z1
    name: zone1
    pods:
      - id: p1
        name: pod1
        clusters:
          - id: c1
            name: cluster1
            maintenance: { driver: cloudstack, url: "https://cs/client/api", apiKey: AK, secretKeyFile: "${secret}" }
            hosts:
              - { id: h1, name: kvm1, address: 10.0.0.1 }
              - { id: h2, name: kvm2, address: 10.0.0.2, maintenance: { driver: command, enter: [/bin/true], exit: [/bin/true] } }
          - id: c2
            name: cluster2
            hosts:
              - { id: h3, name: kvm3, address: 10.0.0.3 }
`
      )
      const inv = loadInventory(file)
      const h1 = inv.hosts.get('h1')!.maintenance
      expect(h1.driver === 'cloudstack' && h1.secretKey.reveal()).toBe('from-file')
      expect(inv.hosts.get('h2')!.maintenance).toEqual({
        driver: 'command',
        enter: ['/bin/true'],
        exit: ['/bin/true'],
        timeout: 3600
      })
      expect(inv.hosts.get('h3')!.maintenance).toEqual(LIBVIRT_DEFAULTS)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('maintenance block: refused at start-up naming the path and the problem (docs/inventory.md#maintenance-drivers)', () => {
  const C0 = 'zones[0].pods[0].clusters[0]'

  it('an unknown driver', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'virsh' }
    expect(problemsOf(d)).toEqual([
      'defaults.maintenance.driver: must be one of none, libvirt, cloudstack, command (got "virsh")'
    ])
  })

  it('no driver at all', () => {
    const d = doc()
    clusterOf(d, 0).maintenance = { libvirtUri: 'qemu:///system' }
    expect(problemsOf(d)).toEqual([`${C0}.maintenance.driver: Expected required property`])
  })

  it('the block is not a mapping', () => {
    const d = doc()
    clusterOf(d, 0).hosts[0]!.maintenance = 'libvirt'
    expect(problemsOf(d)[0]).toMatch(/^zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[0\]\.maintenance: Expected object/)
  })

  it('a field of another driver (libvirt field under cloudstack)', () => {
    const d = doc()
    d.defaults!.maintenance = {
      driver: 'cloudstack',
      url: 'https://cs/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret',
      maxParallelMigrations: 2
    }
    expect(problemsOf(d)).toEqual(['defaults.maintenance.maxParallelMigrations: Unexpected property (got 2)'])
  })

  it('libvirt: out-of-range numbers and wrong types', () => {
    const d = doc()
    clusterOf(d, 0).maintenance = {
      driver: 'libvirt',
      maxParallelMigrations: 0,
      reserveMemoryPercent: 100,
      migrationTimeout: '30m',
      returnVms: 'yes'
    }
    expect(problemsOf(d)).toEqual([
      `${C0}.maintenance.maxParallelMigrations: Expected integer to be greater or equal to 1 (got 0)`,
      `${C0}.maintenance.migrationTimeout: Expected integer (got "30m")`,
      `${C0}.maintenance.reserveMemoryPercent: Expected integer to be less or equal to 99 (got 100)`,
      `${C0}.maintenance.returnVms: Expected boolean (got "yes")`
    ])
  })

  it('libvirt: a misspelt placeholder in migrationUri', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'libvirt', migrationUri: 'qemu+ssh://{target.adress}/system' }
    expect(problemsOf(d)).toEqual([
      'defaults.maintenance.migrationUri: unknown placeholder {target.adress}; use {target.address}, {target.name}, {target.id}'
    ])
  })

  it('cloudstack: missing url, apiKey and secretKeyFile', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'cloudstack' }
    expect(problemsOf(d)).toEqual([
      'defaults.maintenance.url: Expected required property',
      'defaults.maintenance.apiKey: Expected required property',
      'defaults.maintenance.secretKeyFile: Expected required property'
    ])
  })

  it('cloudstack: a url that is not http(s), or carries credentials', () => {
    const d = doc()
    d.defaults!.maintenance = {
      driver: 'cloudstack',
      url: 'cs.example/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret'
    }
    expect(problemsOf(d)[0]).toMatch(
      /^defaults\.maintenance\.url: Expected string to match '\^https\?:\/\/' \(got "cs\.example\/client\/api"\)/
    )
    d.defaults!.maintenance = {
      driver: 'cloudstack',
      url: 'https://admin:pw@cs.example/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/cs-secret'
    }
    expect(problemsOf(d)).toEqual([
      'defaults.maintenance.url: must not carry credentials; use apiKey and secretKeyFile'
    ])
  })

  it('cloudstack: a secret key file that is missing or empty; the message never holds a key', () => {
    const d = doc()
    clusterOf(d, 0).maintenance = {
      driver: 'cloudstack',
      url: 'https://cs/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/missing'
    }
    clusterOf(d, 1).maintenance = {
      driver: 'cloudstack',
      url: 'https://cs/client/api',
      apiKey: 'AK',
      secretKeyFile: '/keys/empty'
    }
    expect(problemsOf(d)).toEqual([
      `${C0}.maintenance.secretKeyFile: cannot read /keys/missing: ENOENT`,
      'zones[0].pods[0].clusters[1].maintenance.secretKeyFile: /keys/empty is empty'
    ])
  })

  it('command: empty argv, non-string argument, misspelt placeholder', () => {
    const d = doc()
    clusterOf(d, 0).hosts[1]!.maintenance = { driver: 'command', enter: [], exit: ['undrain', 7] }
    expect(problemsOf(d)).toEqual([
      `${C0}.hosts[1].maintenance.enter: Expected array length to be greater or equal to 1`,
      `${C0}.hosts[1].maintenance.exit[1]: Expected string (got 7)`
    ])
    clusterOf(d, 0).hosts[1]!.maintenance = {
      driver: 'command',
      enter: ['drain', '{host.ip}'],
      exit: ['undrain'],
      timeout: 0
    }
    expect(problemsOf(d)).toEqual([
      `${C0}.hosts[1].maintenance.timeout: Expected integer to be greater or equal to 1 (got 0)`
    ])
    clusterOf(d, 0).hosts[1]!.maintenance = { driver: 'command', enter: ['drain', '{host.ip}'], exit: ['undrain'] }
    expect(problemsOf(d)).toEqual([
      `${C0}.hosts[1].maintenance.enter[1]: unknown placeholder {host.ip}; use {host.id}, {host.name}, {host.address}, {cluster.id}`
    ])
  })

  it('a bad defaults block is reported once, not once per host', () => {
    const d = doc()
    d.defaults!.maintenance = { driver: 'libvirt', maxParallelMigrations: -1 }
    expect(problemsOf(d)).toHaveLength(1)
  })

  it('problems in maintenance blocks are reported with the others', () => {
    const d = doc()
    clusterOf(d, 0).maintenance = { driver: 'libvirt', returnVms: 1 }
    clusterOf(d, 1).hosts[0]!.id = 'h1'
    const problems = problemsOf(d)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toBe(`${C0}.maintenance.returnVms: Expected boolean (got 1)`)
    expect(problems[1]).toMatch(/^zones\[0\]\.pods\[0\]\.clusters\[1\]\.hosts\[0\]\.id: id "h1" is already used/)
  })
})

describe('placeholders are substituted inside one argument, never split', () => {
  it('keeps spaces, quotes and shell syntax as bytes and leaves unknown braces alone', () => {
    const values = { 'host.name': `kvm 1 "$(rm -rf /)"`, 'host.id': 'h1' }
    expect(substitutePlaceholders('--name={host.name}', values)).toBe(`--name=kvm 1 "$(rm -rf /)"`)
    expect(substitutePlaceholders('{host.id}-{host.id}', values)).toBe('h1-h1')
    expect(substitutePlaceholders('{}', values)).toBe('{}')
  })
})
