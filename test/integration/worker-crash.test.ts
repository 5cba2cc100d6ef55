import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { invariantViolations, startCounts } from '../support/host-log-checks.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

const CLUSTERS = [
  { name: 'k1', hosts: ['k1h1', 'k1h2', 'k1h3'] },
  { name: 'k2', hosts: ['k2h1', 'k2h2', 'k2h3'] }
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)
const clusterOf = (host: string): string => CLUSTERS.find((c) => c.hosts.includes(host))!.name

let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []

beforeAll(async () => {
  e2e = await startE2E({ label: 'crash', clusters: CLUSTERS, workers: 0 })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
})
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
})

/** The pid of the worker process holding a cluster's lease (the owner is `<hostname>:<pid>:<rand>/<jobId>`). */
async function leaseHolderPid(cluster: string): Promise<number | undefined> {
  const value = await e2e.redis.get(e2e.keys.clusterLease(clusterId(cluster)))
  const pid = value?.split('|')[1]?.split(':')[1]
  return pid ? Number(pid) : undefined
}

async function waitForStart(host: string, stage: string, mark: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === host && e.stage === stage && e.event === 'start')
  ) {
    if (Date.now() > deadline) throw new Error(`${host} never started ${stage}`)
    await sleep(20)
  }
}

describe('invariant across worker crashes (docs/user-guide.md#the-invariant)', () => {
  it('SIGKILL of one of two workers during Maintenance: every host accounted for, no stage twice, never two hosts of a cluster in maintenance', async () => {
    setHooks(e2e.fleet, ALL, {
      PreFlight: {},
      PreMaintenance: {},
      Maintenance: { sleepSec: 2, stdout: 'done' },
      PostMaintenance: {}
    })
    const mark = e2e.fleet.readHostLog().length
    procs.push(await startWorkerProcess(env), await startWorkerProcess(env))
    const run = await e2e.start({ clusterids: [clusterId('k1'), clusterId('k2')] })
    await waitForStart('k1h2', 'Maintenance', mark)
    const victim = await leaseHolderPid('k1')
    const killed = procs.find((p) => p.pid === victim)
    expect(killed).toBeDefined()
    killed!.child.kill('SIGKILL')
    const killedAt = Date.now()

    const done = await e2e.waitForRun(run.id, 90_000)
    const log = e2e.fleet.readHostLog().slice(mark)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(r.hostsupdated.map((h) => h.hostname).sort()).toEqual([...ALL].sort())
    // the interrupted Maintenance was re-attached, not started again
    expect([...startCounts(log).values()].every((n) => n === 1)).toBe(true)
    expect(invariantViolations(log, clusterOf)).toEqual([])
    expect((await e2e.runService.listHosts()).every((h) => h.resourceState === 'Enabled')).toBe(true)
    // the survivor finished k1 after taking the lease over
    const k1h3 = r.hostsupdated.find((h) => h.hostid === hostId('k1h3'))!
    expect(Date.parse(k1h3.startdate)).toBeGreaterThan(killedAt)
  })

  it('SIGTERM drains: the host in hand finishes its cycle, the worker exits, another worker completes the run', async () => {
    setHooks(e2e.fleet, ALL, { Maintenance: { sleepSec: 1.5 } })
    while (
      procs.length < 2 ||
      procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).length < 2
    ) {
      procs.push(await startWorkerProcess(env))
    }
    const alive = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: [clusterId('k1')] })
    await waitForStart('k1h1', 'Maintenance', mark)
    const holderPid = await leaseHolderPid('k1')
    const holder = alive.find((p) => p.pid === holderPid)
    expect(holder).toBeDefined()
    holder!.child.kill('SIGTERM')
    const exit = await holder!.exited
    expect(exit.code).toBe(0)
    // it left only after k1h1 was out of maintenance
    const log = e2e.fleet.readHostLog().slice(mark)
    expect(log.some((e) => e.host === 'k1h1' && e.stage === 'Maintenance' && e.event === 'end')).toBe(true)
    const done = await e2e.waitForRun(run.id, 60_000)
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['k1h1', 'k1h2', 'k1h3'])
    expect(invariantViolations(e2e.fleet.readHostLog().slice(mark), clusterOf)).toEqual([])
  })
})
