import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunView } from '../../shared/run-view.js'
import type { RunRequest, StageName } from '../../shared/types.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks, type HookSpec } from '../support/hooks.js'
import { invariantViolations, startCounts } from '../support/host-log-checks.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

// The crash matrix for the states docs/api.md#operator-controls adds: worker processes are SIGKILLed while a run is paused,
// soaking, waiting for its window or retrying a gate; the run must resume exactly where it was.
const flagDir = mkdtempSync(path.join(os.tmpdir(), 'rm-crash-gate-'))
const gateFlag = path.join(flagDir, 'healthy')
const CLUSTERS = [
  { name: 'q1', hosts: ['q1a', 'q1b'] },
  { name: 'q2', hosts: ['q2a', 'q2b'], gate: ['sh', '-c', `test -f ${gateFlag}`] }
]
const clusterOf = (h: string): string => h.slice(0, 2)
const base: Partial<Record<StageName, HookSpec>> = {
  PreFlight: {},
  Maintenance: { sleepSec: 0.3 },
  PostMaintenance: {}
}

interface Summary {
  fault: string
  resumedAfterMs: number
  stagesTwice: number
  violations: number
  success: boolean
}
const summaries: Summary[] = []

let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []
const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)

beforeAll(async () => {
  e2e = await startE2E({ label: 'crashctl', clusters: CLUSTERS, workers: 0 })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
}, 60_000)
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
  rmSync(flagDir, { recursive: true, force: true })
  console.info(
    'crash matrix (controls):\n' +
      summaries
        .map(
          (s) =>
            `  ${s.fault.padEnd(44)} first host after the wait ${String(s.resumedAfterMs).padStart(5)} ms  twice ${s.stagesTwice}  violations ${s.violations}  success ${s.success}`
        )
        .join('\n')
  )
})

async function ensureWorkers(n: number): Promise<void> {
  while (alive().length < n) procs.push(await startWorkerProcess(env, 60_000))
}
/** Every worker process dies at once: nothing of the run survives but Redis and the hosts. */
async function killAllWorkers(): Promise<void> {
  const victims = alive()
  for (const p of victims) p.child.kill('SIGKILL')
  await Promise.all(
    victims.map(
      (p) =>
        new Promise((r) =>
          p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r)
        )
    )
  )
}
const start = (r: Partial<RunRequest>): Promise<RunView> => e2e.start({ clusterids: [clusterId('q1')], ...r })
const get = async (id: string): Promise<RunView> => (await e2e.runService.getRun(id))!
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}
const startOf = (mark: number, host: string, stage: string): number | undefined =>
  e2e.fleet
    .readHostLog()
    .slice(mark)
    .find((e) => e.host === host && e.stage === stage && e.event === 'start')?.t

async function check(
  fault: string,
  runId: string,
  mark: number,
  hosts: string[],
  waitEndedAt: number,
  nextHost: string
): Promise<void> {
  const done = await e2e.waitForRun(runId, 240_000)
  const log = e2e.fleet.readHostLog().slice(mark)
  const twice = [...startCounts(log).values()].filter((n) => n > 1).length
  const violations = invariantViolations(log, clusterOf).length
  const next = log.filter((e) => e.host === nextHost && e.stage !== 'PreFlight' && e.event === 'start').map((e) => e.t)
  const r = done.result!.rollingmaintenance
  summaries.push({
    fault,
    resumedAfterMs: (next[0] ?? waitEndedAt) - waitEndedAt,
    stagesTwice: twice,
    violations,
    success: r.success
  })
  expect(r.success).toBe(true)
  expect(r.hostsupdated.map((h) => h.hostname).sort()).toEqual([...hosts].sort())
  expect(twice).toBe(0)
  expect(violations).toBe(0)
  // The next host did not start before the wait was over.
  expect(next[0]).toBeGreaterThanOrEqual(waitEndedAt)
  expect((await e2e.runService.listHosts()).filter((h) => h.resourceState !== 'Enabled')).toEqual([])
}

describe('crash matrix: workers SIGKILLed in the waits of docs/api.md#operator-controls', () => {
  it('paused: the worker in the middle of a host is killed after the pause; the host is finished by another, nothing new starts until resume', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { ...base, Maintenance: { sleepSec: 2 } })
    await ensureWorkers(2)
    const mark = e2e.fleet.readHostLog().length
    const run = await start({})
    await until('q1a Maintenance', async () => startOf(mark, 'q1a', 'Maintenance'))
    await e2e.runService.pauseRun(run.id, 'crash-test')
    // The worker holding the cluster dies inside q1a's Maintenance, after the pause.
    const lease = await e2e.redis.get(e2e.keys.clusterLease(clusterId('q1')))
    const pid = Number(lease!.split('|')[1]!.split(':')[1])
    alive()
      .find((w) => w.pid === pid)!
      .child.kill('SIGKILL')
    // Another worker takes the host over and finishes its cycle, then the cluster sleeps paused.
    await until('the paused cluster', async () => (await get(run.id)).progress.clusters[0]!.waiting?.kind === 'paused')
    expect((await get(run.id)).progress.hostsDone).toBe(1)
    // Every worker dies while the run is paused; new ones come.
    await killAllWorkers()
    await ensureWorkers(2)
    await sleep(1500)
    expect(startOf(mark, 'q1b', 'Maintenance')).toBeUndefined()
    expect((await get(run.id)).status).toBe('paused')
    const resumedAt = Date.now()
    await e2e.runService.resumeRun(run.id, 'crash-test')
    await check(
      'killed mid-host after pause, then all while paused',
      run.id,
      mark,
      CLUSTERS[0]!.hosts,
      resumedAt,
      'q1b'
    )
  }, 240_000)

  it('soaking: every worker is killed during the soak; the next host starts only when the soak is over', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, base)
    await ensureWorkers(2)
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ soakSeconds: 3 })
    await until('the soak', async () => (await get(run.id)).progress.clusters[0]!.waiting?.kind === 'soak')
    await killAllWorkers()
    await ensureWorkers(2)
    const postEnd = e2e.fleet
      .readHostLog()
      .slice(mark)
      .find((e) => e.host === 'q1a' && e.stage === 'PostMaintenance' && e.event === 'end')!.t
    await check('all killed while soaking', run.id, mark, CLUSTERS[0]!.hosts, postEnd + 3000, 'q1b')
  }, 240_000)

  it('waiting for the window: every worker is killed while it waits; the first host starts when the window opens', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, base)
    await ensureWorkers(2)
    // The next whole minute at least 15 s away (windows are HH:MM), open for two minutes, in a zone with an offset.
    const opensAt = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000)
    // Kolkata's wall clock as an ISO string: its date is the next day's from 18:30 UTC on.
    const local = (d: Date): string => new Date(d.getTime() + 5.5 * 3600_000).toISOString()
    const window = {
      start: local(opensAt).slice(11, 16),
      end: local(new Date(opensAt.getTime() + 120_000)).slice(11, 16),
      timezone: 'Asia/Kolkata'
    }
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ window })
    const waiting = await until('the window wait', async () => {
      const v = await get(run.id)
      return v.progress.clusters[0]!.waiting?.kind === 'window' ? v : undefined
    })
    expect(waiting.progress.message).toBe(`waiting for window, opens ${local(opensAt).slice(0, 19)}+05:30`)
    await killAllWorkers()
    await ensureWorkers(2)
    await check('all killed while waiting for the window', run.id, mark, CLUSTERS[0]!.hosts, opensAt.getTime(), 'q1a')
  }, 240_000)

  it('gate: every worker is killed between two gate attempts; the gate goes on counting and the host starts once it passes', async () => {
    setHooks(e2e.fleet, CLUSTERS[1]!.hosts, base)
    rmSync(gateFlag, { force: true })
    await ensureWorkers(2)
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ clusterids: [clusterId('q2')] })
    await until('the gate wait', async () => (await get(run.id)).progress.clusters[0]!.waiting?.kind === 'gate')
    await killAllWorkers()
    writeFileSync(gateFlag, '')
    const fixedAt = Date.now()
    await ensureWorkers(2)
    await check('all killed while a gate retries', run.id, mark, CLUSTERS[1]!.hosts, fixedAt, 'q2a')
    const events = await e2e.redis.xrange(e2e.keys.runEvents(run.id), '-', '+')
    const passed = events
      .filter(([, f]) => f[1] === 'gate.passed')
      .map(([, f]) => JSON.parse(f[3]!) as { hostName: string; attempts: number })
    // The attempt count survived the crash: q2a passed on its second attempt.
    expect(passed).toEqual([
      expect.objectContaining({ hostName: 'q2a', attempts: 2 }),
      expect.objectContaining({ hostName: 'q2b', attempts: 1 })
    ])
  }, 240_000)
})
