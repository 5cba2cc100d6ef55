import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StageName } from '../../shared/types.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks, type HookSpec } from '../support/hooks.js'
import { startCounts } from '../support/host-log-checks.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

// The crash matrix with `executor: direct` (issue 11 item 2): a stage whose worker died is never
// started again; its outcome is unknown and handled as docs/user-guide.md#exiting-maintenance-mode says.
const HOSTS = ['d1a', 'd1b']
const base: Partial<Record<StageName, HookSpec>> = {
  PreFlight: {},
  PreMaintenance: {},
  Maintenance: {},
  PostMaintenance: {}
}

let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []
const alive = (): WorkerProcess[] => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)

beforeAll(async () => {
  e2e = await startE2E({
    label: 'crash-direct',
    clusters: [{ name: 'd1', hosts: HOSTS }],
    hostOverrides: Object.fromEntries(HOSTS.map((h) => [h, { executor: 'direct' as const }])),
    workers: 0
  })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
}, 60_000)
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
})

/**
 * The orphaned script's own end, so the log is complete. Scripts sleep 5 s: this test's loop must
 * see the start and kill the worker before the script ends, which on a loaded machine can take seconds.
 */
async function scriptEnd(mark: number, stage: StageName): Promise<void> {
  const deadline = Date.now() + 30_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === 'd1a' && e.stage === stage && e.event === 'end')
  ) {
    if (Date.now() > deadline) throw new Error(`d1a ${stage} never ended`)
    await sleep(50)
  }
}

async function killHolderDuring(stage: StageName): Promise<{ runId: string; mark: number }> {
  while (alive().length < 2) procs.push(await startWorkerProcess(env))
  const mark = e2e.fleet.readHostLog().length
  const run = await e2e.start({ clusterids: [clusterId('d1')] })
  const deadline = Date.now() + 30_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === 'd1a' && e.stage === stage && e.event === 'start')
  ) {
    if (Date.now() > deadline) throw new Error(`d1a ${stage} never started`)
    await sleep(10)
  }
  const lease = await e2e.redis.get(e2e.keys.clusterLease(clusterId('d1')))
  const pid = Number(lease?.split('|')[1]?.split(':')[1])
  const victim = alive().find((w) => w.pid === pid)
  expect(victim, `no live worker with pid ${pid}`).toBeDefined()
  victim!.child.kill('SIGKILL')
  return { runId: run.id, mark }
}

describe('crash matrix with executor: direct', () => {
  it('worker killed during Maintenance: not started again, the host is ErrorInMaintenance, its cluster stops', async () => {
    setHooks(e2e.fleet, HOSTS, { ...base, Maintenance: { sleepSec: 5 } })
    const { runId, mark } = await killHolderDuring('Maintenance')
    const done = await e2e.waitForRun(runId, 60_000)
    await scriptEnd(mark, 'Maintenance')
    const log = e2e.fleet.readHostLog().slice(mark)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/d1a/)
    expect(startCounts(log).get('d1a/Maintenance')).toBe(1)
    expect(log.some((e) => e.host === 'd1b' && e.stage !== 'PreFlight')).toBe(false)
    expect((await e2e.runService.getHost(hostId('d1a')))?.resourceState).toBe('ErrorInMaintenance')
    // The operator's way out, once the worker that stopped the cluster has let go of its lease.
    for (let i = 0; ; i++) {
      const ok = await e2e.runService.cancelHostMaintenance(hostId('d1a'), 'test').then(
        () => true,
        (err: unknown) => (i > 100 ? Promise.reject(err) : false)
      )
      if (ok) break
      await sleep(100)
    }
  }, 90_000)

  it('worker killed during PostMaintenance: not started again, the host is updated and the run fails naming it', async () => {
    setHooks(e2e.fleet, HOSTS, { ...base, PostMaintenance: { sleepSec: 5 } })
    const { runId, mark } = await killHolderDuring('PostMaintenance')
    const done = await e2e.waitForRun(runId, 60_000)
    await scriptEnd(mark, 'PostMaintenance')
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/PostMaintenance failed on host d1a/)
    expect(r.hostsupdated.map((h) => h.hostname)).toContain('d1a')
    expect(startCounts(e2e.fleet.readHostLog().slice(mark)).get('d1a/PostMaintenance')).toBe(1)
    expect((await e2e.runService.getHost(hostId('d1a')))?.resourceState).toBe('Enabled')
  }, 90_000)
})
