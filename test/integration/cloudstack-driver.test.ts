import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import { Secret } from '../../shared/secret.js'
import type { HostConfig } from '../../shared/types.js'
import { createCloudStackDriver } from '../../workers/maintenance/cloudstack-driver.js'
import type { DriverContext, Migration, VmEvent } from '../../workers/maintenance/maintenance-driver.js'
import { startCloudStackSimulator, type CloudStackSimulator } from '../support/cloudstack-sim/cloudstack-simulator.js'
import type { SimLayout } from '../support/cloudstack-sim/sim-model.js'
import { freePort } from '../../shared/free-port.js'

type CloudStackConfig = Extract<MaintenanceConfig, { driver: 'cloudstack' }>

const API_KEY = 'rollmaint-api-key'
const SECRET = 'S3cr3t-K3y-never-logged'
const H = [
  '8e8e68e7-19ea-4a78-bbdb-6e79d27729c9',
  'a1b2c3d4-0000-4000-8000-000000000002',
  'a1b2c3d4-0000-4000-8000-000000000003'
] as const

function layout(): SimLayout {
  return {
    zones: [
      {
        id: 'zone-uuid-1',
        name: 'zone1',
        pods: [
          {
            id: 'pod-uuid-1',
            name: 'pod1',
            clusters: [
              {
                id: 'cluster-uuid-1',
                name: 'cluster1',
                hosts: [
                  { id: H[0], name: 'kvm1', ipaddress: '10.0.0.11', vms: ['i-2-10-VM', 'i-2-11-VM'] },
                  { id: H[1], name: 'kvm2', ipaddress: '10.0.0.12', vms: ['i-2-12-VM'] },
                  { id: H[2], name: 'kvm3', ipaddress: '10.0.0.13' }
                ]
              }
            ]
          }
        ]
      }
    ]
  }
}

let sim: CloudStackSimulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function simulator(over: { jobDelayMs?: number; migrationMs?: number } = {}): Promise<CloudStackSimulator> {
  sim = await startCloudStackSimulator({
    layout: layout(),
    users: [{ apiKey: API_KEY, secretKey: SECRET }],
    jobDelayMs: 30,
    migrationMs: 60,
    ...over
  })
  return sim
}

function config(url: string, over: Partial<CloudStackConfig> = {}): CloudStackConfig {
  return {
    driver: 'cloudstack',
    url,
    apiKey: API_KEY,
    secretKeyFile: '/etc/rollmaint/cs-secret',
    secretKey: new Secret(SECRET),
    pollInterval: 0.05,
    timeout: 10,
    ...over
  }
}

function hostConfig(id: string, name: string): HostConfig {
  return {
    id,
    name,
    address: '10.0.0.11',
    port: 22,
    user: 'root',
    hostKey: 'ssh-ed25519 AAAA',
    hooksDir: '/etc/rollmaint/hooks',
    stateDir: '/var/lib/rollmaint',
    bootIdPath: '/proc/sys/kernel/random/boot_id',
    hypervisor: 'KVM',
    executor: 'detached',
    enabled: true,
    maintenance: { driver: 'none' },
    zoneId: 'zone-uuid-1',
    podId: 'pod-uuid-1',
    clusterId: 'cluster-uuid-1'
  }
}

/** A context whose log lines are kept, to prove the secret never reaches them. */
function context(
  hostId: string = H[0],
  signal = new AbortController().signal,
  migrated: Migration[] = []
): DriverContext & { logText: () => string; events: VmEvent[] } {
  let log = ''
  const events: VmEvent[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      log += chunk.toString()
      done()
    }
  })
  const host = hostConfig(hostId, 'kvm1')
  return {
    runId: 'run-1',
    host,
    clusterHosts: [host],
    unavailableHostIds: new Set(),
    session: new Proxy({} as DriverContext['session'], {
      get() {
        throw new Error('the cloudstack driver talks to CloudStack, not to the host')
      }
    }),
    openSession: () => Promise.reject(new Error('not used')),
    emit: (e) => {
      events.push(e)
      return Promise.resolve()
    },
    migrated,
    logger: pino({ level: 'debug' }, sink),
    signal,
    logText: () => log,
    events
  }
}

describe('cloudstack driver against the CloudStack simulator (docs/inventory.md#maintenance-drivers)', () => {
  it('enter: prepareHostForMaintenance, waits through PrepareForMaintenance to Maintenance; exit: back to Enabled', async () => {
    const s = await simulator()
    const driver = createCloudStackDriver(config(s.url))
    const ctx = context()
    await expect(driver.enter(ctx)).resolves.toEqual({ kind: 'entered', migrated: [] })
    expect(s.resourceState(H[0])).toBe('Maintenance')
    expect(s.history(H[0])).toEqual(['Enabled', 'PrepareForMaintenance', 'Maintenance'])
    expect(s.vmsOn(H[0])).toEqual([])
    expect([...s.vmsOn(H[1]), ...s.vmsOn(H[2])].sort()).toEqual(['i-2-10-VM', 'i-2-11-VM', 'i-2-12-VM'])
    expect(s.commands.filter((c) => c === 'prepareHostForMaintenance')).toHaveLength(1)
    expect(s.commands).toContain('queryAsyncJobResult')
    // what CloudStack moved is reported as libvirt moves are: vm.migrated, with where to
    const where = (vm: string) => (s.vmsOn(H[1]).includes(vm) ? H[1] : H[2])
    const name = (id: string) => (id === H[1] ? 'kvm2' : 'kvm3')
    expect(ctx.events.map((e) => ({ ...e, durationMs: 0 }))).toEqual(
      ['i-2-10-VM', 'i-2-11-VM'].map((vm) => ({
        type: 'vm.migrated',
        hostId: H[0],
        hostName: 'kvm1',
        vm,
        to: where(vm),
        toName: name(where(vm)),
        durationMs: 0
      }))
    )
    for (const e of ctx.events) expect(e.type === 'vm.migrated' && e.durationMs).toBeGreaterThan(0)

    await expect(driver.exit(ctx)).resolves.toEqual({ kind: 'exited' })
    expect(s.history(H[0])).toEqual(['Enabled', 'PrepareForMaintenance', 'Maintenance', 'Enabled'])
    expect(s.commands.filter((c) => c === 'cancelHostMaintenance')).toHaveLength(1)
    expect(s.rejectedSignatures).toBe(0)
    expect(ctx.logText()).toContain('Maintenance')
    expect(ctx.logText()).not.toContain(SECRET)
  })

  it('a VM that cannot migrate: ErrorInPrepareForMaintenance, then ErrorInMaintenance = enter failed, naming the VM', async () => {
    const s = await simulator()
    s.failMigrationOf('i-2-11-VM')
    const outcome = await createCloudStackDriver(config(s.url)).enter(context())
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason:
        'CloudStack put the host in ErrorInMaintenance: not every VM could be migrated off it; VMs still on it: i-2-11-VM'
    })
    expect(s.history(H[0])).toEqual([
      'Enabled',
      'PrepareForMaintenance',
      'ErrorInPrepareForMaintenance',
      'ErrorInMaintenance'
    ])
    // and the way out is CloudStack's: cancelHostMaintenance from ErrorInMaintenance
    await expect(createCloudStackDriver(config(s.url)).exit(context())).resolves.toEqual({ kind: 'exited' })
    expect(s.resourceState(H[0])).toBe('Enabled')
  })

  it("a failed async job = enter failed with CloudStack's errortext", async () => {
    const s = await simulator()
    s.setResourceState(H[1], 'PrepareForMaintenance')
    const outcome = await createCloudStackDriver(config(s.url)).enter(context())
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason:
        'Failed to prepare host for maintenance due to: There are other servers attempting migrations for maintenance. Found hosts in PrepareForMaintenance OR ErrorInPrepareForMaintenance STATUS in cluster 1'
    })
    expect(s.resourceState(H[0])).toBe('Enabled')
  })

  it('a job failing for any reason carries its text through', async () => {
    const s = await simulator()
    s.failNextJob(
      H[0],
      'Host contains VMs in starting/stopping state. Please wait for them to complete before putting to maintenance.'
    )
    await expect(createCloudStackDriver(config(s.url)).enter(context())).resolves.toMatchObject({
      kind: 'failed',
      reason:
        'Failed to prepare host for maintenance due to: Host contains VMs in starting/stopping state. Please wait for them to complete before putting to maintenance.'
    })
  })

  it('resumes: a second worker waits on the evacuation already running instead of asking again', async () => {
    const s = await simulator({ migrationMs: 400 })
    const first = new AbortController()
    const firstCtx = context(H[0], first.signal)
    const pending = createCloudStackDriver(config(s.url)).enter(firstCtx)
    // the first worker dies after CloudStack moved one VM
    await expect.poll(() => s.vmsOn(H[0]).length, { timeout: 3000 }).toBe(1)
    await expect.poll(() => firstCtx.events.length, { timeout: 3000 }).toBe(1)
    first.abort() // the first worker lost its lease mid-evacuation
    await expect(pending).resolves.toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('lost the cluster')
    })
    const firstReported = firstCtx.events.flatMap((e) =>
      e.type === 'vm.migrated' ? [{ vm: e.vm, to: e.to, durationMs: e.durationMs }] : []
    )
    const second = context(H[0], new AbortController().signal, firstReported)
    await expect(createCloudStackDriver(config(s.url)).enter(second)).resolves.toEqual({
      kind: 'entered',
      migrated: []
    })
    expect(s.commands.filter((c) => c === 'prepareHostForMaintenance')).toHaveLength(1)
    // between them, each VM reported once
    expect([...firstCtx.events, ...second.events].map((e) => e.vm).sort()).toEqual(['i-2-10-VM', 'i-2-11-VM'])
    expect(s.history(H[0])).toEqual(['Enabled', 'PrepareForMaintenance', 'Maintenance'])
  })

  it('entering a host already in Maintenance, or exiting an Enabled one, asks CloudStack nothing', async () => {
    const s = await simulator()
    s.setResourceState(H[2], 'Maintenance')
    await expect(createCloudStackDriver(config(s.url)).enter(context(H[2]))).resolves.toEqual({
      kind: 'entered',
      migrated: []
    })
    await expect(createCloudStackDriver(config(s.url)).exit(context(H[1]))).resolves.toEqual({ kind: 'exited' })
    expect(s.commands).toEqual(['listHosts', 'listHosts'])
  })

  it("exit refused by CloudStack's state machine carries its errortext", async () => {
    const s = await simulator()
    s.setResourceState(H[0], 'Disabled')
    await expect(createCloudStackDriver(config(s.url)).exit(context())).resolves.toEqual({
      kind: 'failed',
      reason:
        'Failed to cancel host maintenance due to: Cannot perform cancelMaintenance when resource state is Disabled, hostId = 2'
    })
  })

  it('a wrong secret key: refused by the signature check, no retry loop, secret not logged', async () => {
    const s = await simulator()
    const ctx = context()
    const started = Date.now()
    const outcome = await createCloudStackDriver(config(s.url, { secretKey: new Secret('not-the-key') })).enter(ctx)
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason: 'unable to verify user credentials and/or request signature'
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(s.rejectedSignatures).toBe(1)
    expect(ctx.logText()).not.toContain('not-the-key')
  })

  it('a host CloudStack does not know', async () => {
    const s = await simulator()
    await expect(createCloudStackDriver(config(s.url)).enter(context('0000-unknown'))).resolves.toEqual({
      kind: 'failed',
      migrated: [],
      reason: 'CloudStack has no host with id 0000-unknown (listHosts id=0000-unknown returned nothing)'
    })
  })

  it('bounded wait: an evacuation slower than the timeout fails naming the state it was stuck in', async () => {
    const s = await simulator({ migrationMs: 60_000 })
    const started = Date.now()
    const outcome = await createCloudStackDriver(config(s.url, { timeout: 1 })).enter(context())
    expect(Date.now() - started).toBeLessThan(2500)
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason: 'CloudStack did not report the host Maintenance within 1 s (resource state PrepareForMaintenance)'
    })
  })

  it('an unreachable management server is retried until the deadline, then named', async () => {
    const url = `http://127.0.0.1:${await freePort()}/client/api`
    const ctx = context()
    const outcome = await createCloudStackDriver(config(url, { timeout: 1 })).enter(ctx)
    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(
        /^CloudStack did not report the host Maintenance within 1 s \(resource state unknown\); last error: cannot reach http:\/\/127\.0\.0\.1:\d+\/client\/api: ECONNREFUSED$/
      )
    })
    expect(ctx.logText()).toContain('CloudStack unreachable, retrying')
  })
})
