import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../shared/config.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import {
  checkRecovery,
  CRASH_CLUSTERS,
  CRASH_HOSTS,
  formatCrashSummaries,
  holderPid,
  waitForHostLog,
  WORKER_CRASH_POINTS,
  type CrashSummary
} from '../support/crash-points.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

// Issue 12 item 4: the crash matrix again, with the PRODUCTION lease, job lock and stalled-check
// settings (whatever loadConfig defaults to), not the tests' short ones: a worker SIGKILLed at any
// point of a host cycle is replaced within 15 s.
const WORST_RECOVERY_MS = 15_000
const defaults = loadConfig({})
const summaries: CrashSummary[] = []
let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []
const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)

beforeAll(async () => {
  // Blank values are unset for loadConfig: the defaults apply, in this process and the workers.
  e2e = await startE2E({
    label: 'crash-prod',
    clusters: CRASH_CLUSTERS,
    workers: 0,
    env: { ROLLMAINT_LEASE_TTL_MS: '', ROLLMAINT_JOB_LOCK_MS: '', ROLLMAINT_STALLED_INTERVAL_MS: '' }
  })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
}, 60_000)
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  await e2e?.close()
  if (summaries.length > 0) {
    console.info(
      formatCrashSummaries(
        `crash matrix with production settings (lease ${defaults.leaseTtlMs} ms, job lock ${defaults.jobLockMs} ms, stalled check ${defaults.stalledIntervalMs} ms)`,
        summaries
      )
    )
  }
})

async function ensureWorkers(n: number): Promise<void> {
  while (alive().length < n) procs.push(await startWorkerProcess(env))
}

describe('crash matrix with production settings: a SIGKILLed worker is replaced within 15 s', () => {
  it('runs with the production defaults', () => {
    expect(e2e.config.leaseTtlMs).toBe(defaults.leaseTtlMs)
    expect(e2e.config.jobLockMs).toBe(defaults.jobLockMs)
    expect(e2e.config.stalledIntervalMs).toBe(defaults.stalledIntervalMs)
  })

  for (const p of WORKER_CRASH_POINTS) {
    it(
      p.fault,
      async () => {
        setHooks(e2e.fleet, CRASH_HOSTS, p.hooks)
        await ensureWorkers(2)
        const mark = e2e.fleet.readHostLog().length
        const run = await e2e.start({ clusterids: CRASH_CLUSTERS.map((c) => clusterId(c.name)) })
        await waitForHostLog(e2e, mark, p.host, p.stage, p.event)
        const pid = await holderPid(e2e, p.host, run.id)
        const victim = alive().find((w) => w.pid === pid)
        expect(victim, `no live worker with pid ${pid}`).toBeDefined()
        victim!.child.kill('SIGKILL')
        const faultAt = Date.now()
        const summary = await checkRecovery(e2e, p.fault, run.id, mark, faultAt, summaries)
        expect(summary.recoveryMs).toBeLessThanOrEqual(WORST_RECOVERY_MS)
      },
      120_000
    )
  }
})
