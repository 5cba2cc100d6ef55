import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCloudStackClient } from '../../shared/cloudstack/cloudstack-client.js'
import { loadInventory } from '../../shared/load-inventory.js'
import { Secret } from '../../shared/secret.js'
import { startCloudStackSimulator, type CloudStackSimulator } from '../support/cloudstack-sim/cloudstack-simulator.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const API_KEY = 'import-api-key'
const SECRET = 'import-secret-key-do-not-print'

let sim: CloudStackSimulator
let dir: string
let secretFile: string
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-import-'))
  secretFile = path.join(dir, 'cs-secret')
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
  sim = await startCloudStackSimulator({
    users: [{ apiKey: API_KEY, secretKey: SECRET }],
    layout: {
      zones: [
        {
          id: 'z-1',
          name: 'zone1',
          pods: [
            {
              id: 'p-1',
              name: 'pod1',
              clusters: [
                {
                  id: 'c-kvm-1',
                  name: 'kvm-cluster-1',
                  hosts: [
                    { id: 'h-1', name: 'kvm1', ipaddress: '10.1.0.11' },
                    { id: 'h-2', name: 'kvm2', ipaddress: '10.1.0.12', resourcestate: 'Disabled' },
                    { id: 'h-3', name: 'kvm3', ipaddress: '10.1.0.13', resourcestate: 'Maintenance' },
                    { id: 's-1', name: 's-1-VM', ipaddress: '10.1.0.99', type: 'SecondaryStorageVM' }
                  ]
                },
                {
                  id: 'c-vmw',
                  name: 'vmware-cluster',
                  hypervisortype: 'VMware',
                  hosts: [{ id: 'esx-1', name: 'esx1', ipaddress: '10.1.1.1' }]
                }
              ]
            }
          ]
        },
        {
          id: 'z-2',
          name: 'zone2',
          pods: [
            {
              id: 'p-2',
              name: 'pod2',
              clusters: [
                { id: 'c-kvm-2', name: 'kvm-cluster-2', hosts: [{ id: 'h-4', name: 'kvm4', ipaddress: '10.2.0.11' }] }
              ]
            }
          ]
        },
        { id: 'z-3', name: 'empty-zone', pods: [{ id: 'p-3', name: 'pod3', clusters: [] }] }
      ]
    }
  })
})
afterAll(async () => {
  await sim?.close()
  rmSync(dir, { recursive: true, force: true })
})

function cli(
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/rollmaint.js'), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('rollmaint inventory import --cloudstack (docs/inventory.md#maintenance-drivers)', () => {
  it('writes an inventory of the KVM routing hosts that the real loader accepts, with the cloudstack driver in defaults', async () => {
    const out = path.join(dir, 'inventory.yaml')
    const r = await cli([
      '--api-key',
      API_KEY,
      'inventory',
      'import',
      '--cloudstack',
      sim.url,
      '--secret-key-file',
      secretFile,
      '-o',
      out,
      '--user',
      'ops'
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`4 KVM host(s) in 2 cluster(s), 2 pod(s), 2 zone(s) written to ${out}`)
    const text = readFileSync(out, 'utf8')
    expect(text).not.toContain(SECRET)
    expect(text).toMatch(/^# rollmaint inventory, imported from http:\/\/127\.0\.0\.1:\d+\/client\/api/)

    const inv = loadInventory(out)
    expect([...inv.zones.keys()]).toEqual(['z-1', 'z-2'])
    expect([...inv.clusters.keys()]).toEqual(['c-kvm-1', 'c-kvm-2'])
    expect(inv.clusters.get('c-kvm-1')!.hostIds).toEqual(['h-1', 'h-2', 'h-3'])
    expect([...inv.hosts.values()].map((h) => [h.id, h.name, h.address, h.enabled, h.user])).toEqual([
      ['h-1', 'kvm1', '10.1.0.11', true, 'ops'],
      ['h-2', 'kvm2', '10.1.0.12', false, 'ops'],
      ['h-3', 'kvm3', '10.1.0.13', true, 'ops'],
      ['h-4', 'kvm4', '10.2.0.11', true, 'ops']
    ])
    const h1 = inv.hosts.get('h-1')!
    expect(h1.knownHostsPath).toBe(path.join(os.homedir(), '.ssh/known_hosts'))
    expect(h1.maintenance).toMatchObject({
      driver: 'cloudstack',
      url: sim.url,
      apiKey: API_KEY,
      secretKeyFile: secretFile
    })
    expect(h1.maintenance.driver === 'cloudstack' && h1.maintenance.secretKey.reveal()).toBe(SECRET)
    expect(sim.commands).toEqual(expect.arrayContaining(['listZones', 'listPods', 'listClusters', 'listHosts']))
  })

  it('prints to stdout without -o; credentials from the environment', async () => {
    const r = await cli(['inventory', 'import', '--cloudstack', sim.url], {
      CLOUDSTACK_API_KEY: API_KEY,
      CLOUDSTACK_SECRET_KEY_FILE: secretFile
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('driver: cloudstack')
    expect(r.stdout).toContain('address: 10.2.0.11')
    expect(r.stdout).not.toContain('esx1')
    expect(r.stdout).not.toContain('s-1-VM')
  })

  it('a wrong secret key: CloudStack refuses, exit 2, nothing written, no key printed', async () => {
    const wrong = path.join(dir, 'wrong-secret')
    writeFileSync(wrong, 'not-the-secret\n')
    const out = path.join(dir, 'never.yaml')
    const r = await cli([
      '--api-key',
      API_KEY,
      'inventory',
      'import',
      '--cloudstack',
      sim.url,
      '--secret-key-file',
      wrong,
      '-o',
      out
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^rollmaint: CloudStack list\w+: unable to verify user credentials and\/or request signature \(errorcode 401\)$/m
    )
    expect(r.stderr + r.stdout).not.toContain('not-the-secret')
    expect(existsSync(out)).toBe(false)
  })

  it('usage errors: no credentials, unreadable key file, existing output without --force', async () => {
    const none = await cli(['inventory', 'import', '--cloudstack', sim.url])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain(
      'no CloudStack credentials: set --api-key and --secret-key-file (or CLOUDSTACK_API_KEY and CLOUDSTACK_SECRET_KEY_FILE)'
    )
    const missing = await cli([
      '--api-key',
      API_KEY,
      'inventory',
      'import',
      '--cloudstack',
      sim.url,
      '--secret-key-file',
      path.join(dir, 'nope')
    ])
    expect(missing.stderr).toContain(`cannot read the secret key file ${path.join(dir, 'nope')}: ENOENT`)
    const existing = path.join(dir, 'existing.yaml')
    writeFileSync(existing, 'keep me')
    const refused = await cli([
      '--api-key',
      API_KEY,
      'inventory',
      'import',
      '--cloudstack',
      sim.url,
      '--secret-key-file',
      secretFile,
      '-o',
      existing
    ])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${existing} exists; use --force to overwrite it`)
    expect(readFileSync(existing, 'utf8')).toBe('keep me')
  })

  it('the client pages through long lists (page/pagesize)', async () => {
    const client = createCloudStackClient({ url: sim.url, apiKey: API_KEY, secretKey: new Secret(SECRET), pageSize: 2 })
    const before = sim.commands.length
    const hosts = await client.listAll('listHosts', 'host', { type: 'Routing' })
    expect(hosts.map((h) => h.id)).toEqual(['h-1', 'h-2', 'h-3', 'esx-1', 'h-4'])
    expect(sim.commands.length - before).toBe(3)
  })
})
