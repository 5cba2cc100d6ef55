import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostConfig } from '../../shared/types.js'
import type { HostExecutor } from '../../workers/host-executor.js'
import { createLibvirtDriver } from '../../workers/maintenance/libvirt/libvirt-driver.js'
import {
  inventoryLibvirtSettings,
  lockDirOf,
  lockFileName,
  type LibvirtSettings
} from '../../workers/maintenance/libvirt/libvirt-settings.js'
import type { DriverContext, VmEvent } from '../../workers/maintenance/maintenance-driver.js'
import { createSshExecutor } from '../../workers/ssh/create-ssh-executor.js'
import { startKvmLab, type KvmLab } from '../support/kvm-lab.js'

// The libvirt driver against real libvirtd and QEMU (the KVM lab), without the orchestrator around it.
const settings: LibvirtSettings = {
  libvirtUri: 'qemu:///system',
  migrationUri: 'qemu+ssh://{target.address}/system',
  maxParallelMigrations: 2,
  migrationTimeout: 60,
  reserveMemoryPercent: 10,
  returnVms: false
}

let lab: KvmLab
let executor: HostExecutor
let hosts: HostConfig[]
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

beforeAll(async () => {
  lab = await startKvmLab({ hosts: 3 })
  executor = createSshExecutor({ logger })
  hosts = lab.hosts.map((h) => ({
    id: `host-${h.name}`,
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'root',
    privateKeyPath: lab.privateKeyPath,
    hostKey: h.hostKey,
    hooksDir: h.hooksDir,
    stateDir: h.stateDir,
    bootIdPath: '/proc/sys/kernel/random/boot_id',
    executor: 'detached',
    hypervisor: 'KVM',
    enabled: true,
    zoneId: 'z',
    podId: 'p',
    clusterId: 'c',
    maintenance: { driver: 'libvirt', ...settings }
  }))
}, 120_000)

afterAll(async () => {
  await lab?.stop()
})

const where = async (): Promise<Map<string, string[]>> => {
  const out = new Map<string, string[]>()
  for (const h of lab.hosts) {
    for (const d of await lab.domains(h.name)) if (d.state === 1) out.set(d.name, [...(out.get(d.name) ?? []), h.name])
  }
  return out
}

async function context(
  host: HostConfig,
  over: Partial<DriverContext> = {}
): Promise<{ ctx: DriverContext; events: VmEvent[] }> {
  const events: VmEvent[] = []
  const ctx: DriverContext = {
    runId: 'r1',
    host,
    clusterHosts: hosts,
    unavailableHostIds: new Set(),
    session: await executor.open(host),
    openSession: (h) => executor.open(h),
    emit: (e) => {
      events.push(e)
      return Promise.resolve()
    },
    logger,
    signal: new AbortController().signal,
    ...over
  }
  return { ctx, events }
}

describe('libvirt driver on the KVM lab', () => {
  it('evacuates every running VM (largest first, at most 2 at once) and reports each migration', async () => {
    await Promise.all([lab.vm('h1', 'big', 192), lab.vm('h1', 'small1', 64), lab.vm('h1', 'small2', 64)])
    const driver = createLibvirtDriver(inventoryLibvirtSettings)
    const { ctx, events } = await context(hosts[0]!)
    try {
      const outcome = await driver.enter(ctx)
      expect(outcome.kind).toBe('entered')
      expect(outcome.migrated.map((m) => m.vm).sort()).toEqual(['big', 'small1', 'small2'])
      for (const m of outcome.migrated) expect(m.durationMs).toBeGreaterThan(0)
      expect(await lab.domains('h1')).toEqual([])
      const placed = await where()
      for (const vm of ['big', 'small1', 'small2']) expect(placed.get(vm)).toHaveLength(1)
      expect(events.filter((e) => e.type === 'vm.migrating').map((e) => e.vm)[0]).toBe('big')
      const done = events.filter((e) => e.type === 'vm.migrated')
      expect(done).toHaveLength(3)
      for (const e of done) if (e.type === 'vm.migrated') expect(e.downtimeMs).toBeGreaterThanOrEqual(0)
      // never more than maxParallelMigrations in flight
      let inFlight = 0
      let most = 0
      for (const e of events) {
        if (e.type === 'vm.migrating') most = Math.max(most, ++inFlight)
        else inFlight--
      }
      expect(most).toBe(2)
      // an empty host: entered at once, nothing moved
      expect(await driver.enter(ctx)).toEqual({ kind: 'entered', migrated: [] })
    } finally {
      ctx.session.close()
    }
  })

  it('returnVms: exit moves the VMs enter moved away back to the host', async () => {
    await lab.vm('h3', 'homebound', 64)
    const driver = createLibvirtDriver(() => ({ ...settings, returnVms: true }))
    const { ctx, events } = await context(hosts[2]!)
    try {
      const entered = await driver.enter(ctx)
      expect(entered.kind).toBe('entered')
      const moved = entered.migrated.find((m) => m.vm === 'homebound')!
      expect(moved.to).not.toBe(hosts[2]!.id)
      expect(await driver.exit({ ...ctx, migrated: entered.migrated })).toEqual({ kind: 'exited' })
      expect((await where()).get('homebound')).toEqual(['h3'])
      const back = events.filter((e) => e.type === 'vm.migrated' && e.vm === 'homebound')
      expect(back.map((e) => e.to)).toEqual([moved.to, hosts[2]!.id])
    } finally {
      ctx.session.close()
    }
  })

  it('refuses a plan that does not fit, naming the VM, the memory needed and the most free; nothing moves', async () => {
    const { ctx } = await context(hosts[1]!)
    await lab.vm('h2', 'huge', 256)
    await lab.setmem('h1', 2048, 200)
    await lab.setmem('h3', 2048, 300)
    try {
      const before = await where()
      const outcome = await createLibvirtDriver(inventoryLibvirtSettings).enter(ctx)
      expect(outcome.kind).toBe('failed')
      if (outcome.kind === 'failed') {
        expect(outcome.reason).toMatch(
          /^not enough memory: VM huge of host h2 needs 256 MiB; the most free on another host is 95 MiB \(h3, after its 10% reserve\)/
        )
        expect(outcome.migrated).toEqual([])
      }
      expect(await where()).toEqual(before)
    } finally {
      await lab.setmem('h1', 65536, 60000)
      await lab.setmem('h3', 65536, 60000)
      ctx.session.close()
    }
  })

  it('a migration in flight under an earlier worker is waited for, never started twice, and reported', async () => {
    // Simulate a worker that died mid-migration: its virsh migrate keeps running on the host,
    // holding the VM's lock; a slow link keeps it in flight for a while.
    await lab.vm('h2', 'moving', 128)
    const lock = `${lockDirOf(hosts[1]!)}/${lockFileName('moving')}`
    const dest = `qemu+ssh://${hosts[2]!.address}/system`
    await lab.ssh('h2', `virsh migrate-setspeed moving 1`)
    const orphan = lab.ssh(
      'h2',
      // A blocking flock: the probe below holds the lock for an instant, and `flock -n` lost that race
      // under load (the orphan never ran and the driver migrated the VM itself at 1 MiB/s).
      `mkdir -p ${lockDirOf(hosts[1]!)}; exec 9>>${lock}; flock 9 && exec virsh migrate --live --persistent --undefinesource moving ${dest}`
    )
    let held = false
    for (const deadline = Date.now() + 30_000; !held && Date.now() < deadline;) {
      held = (await lab.ssh('h2', `flock -n ${lock} true && echo free || echo held`)).stdout.trim() === 'held'
      if (!held) await sleep(20)
    }
    expect(held, 'the earlier migration holds the VM lock').toBe(true)
    const { ctx, events } = await context(hosts[1]!, { announced: [{ vm: 'moving', to: hosts[2]!.id }] })
    try {
      const outcome = await createLibvirtDriver(inventoryLibvirtSettings).enter(ctx)
      await orphan
      expect(outcome.kind).toBe('entered')
      expect(outcome.migrated.find((m) => m.vm === 'moving')).toMatchObject({ to: hosts[2]!.id })
      // the driver started no migration of its own for it: the earlier one moved the VM
      expect(events.filter((e) => e.vm === 'moving').map((e) => e.type)).toEqual(['vm.migrated'])
      expect((await where()).get('moving')).toEqual(['h3'])
      expect(await lab.domains('h2')).toEqual([])
    } finally {
      ctx.session.close()
    }
  })

  it("a failing migration (target libvirtd stopped) fails naming the VM, the target and libvirt's error; the VM keeps running", async () => {
    await lab.vm('h1', 'victim', 64)
    await lab.setmem('h3', 2048, 100) // h3 full: the only target is h2
    const { ctx, events } = await context(hosts[0]!)
    let h2Down = false
    try {
      // h2's libvirtd stops once the plan exists and the migration is announced: "mid-run".
      const entering = createLibvirtDriver(inventoryLibvirtSettings).enter({
        ...ctx,
        emit: async (e) => {
          if (e.type === 'vm.migrating' && !h2Down) {
            h2Down = true
            await lab.libvirtdStop('h2')
          }
          await ctx.emit(e)
        }
      })
      const outcome = await entering
      expect(outcome.kind).toBe('failed')
      if (outcome.kind === 'failed')
        expect(outcome.reason).toMatch(/^VM \S+ could not be migrated from h1 to h2: .*(connect|socket|End of file)/)
      // both lanes had started (maxParallelMigrations 2); each ended in a failure, none migrated
      const types = events.map((e) => e.type)
      expect(types.filter((t) => t === 'vm.migrating').length).toBe(
        types.filter((t) => t === 'vm.migration-failed').length
      )
      expect(types).not.toContain('vm.migrated')
      await lab.libvirtdStart('h2')
      h2Down = false
      expect((await where()).get('victim')).toEqual(['h1'])
      for (const [vm, on] of await where()) expect(on, vm).toHaveLength(1)
    } finally {
      if (h2Down) await lab.libvirtdStart('h2')
      await lab.setmem('h3', 65536, 60000)
      ctx.session.close()
    }
  })
})
