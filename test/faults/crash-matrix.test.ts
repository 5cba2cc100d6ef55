import { appendFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import {
  checkRecovery,
  CRASH_BASE_HOOKS,
  CRASH_CLUSTERS,
  CRASH_HOSTS,
  formatCrashSummaries,
  holderPid,
  waitForHostLog,
  WORKER_CRASH_POINTS,
  type CrashSummary
} from '../support/crash-points.js'
import { startOwnRedis, type OwnRedis } from '../support/redis-server.js'
import { startNodeProcess, startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

const summaries: CrashSummary[] = []

let redis: OwnRedis
let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []
const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)
const ALL_CLUSTERS = CRASH_CLUSTERS.map((c) => clusterId(c.name))

beforeAll(async () => {
  redis = await startOwnRedis()
  e2e = await startE2E({ label: 'crash', clusters: CRASH_CLUSTERS, workers: 0, redisUrl: redis.url })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
}, 60_000)
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
  await redis?.stop()
  if (summaries.length > 0) console.info(formatCrashSummaries('crash matrix', summaries))
})

async function ensureWorkers(n: number): Promise<void> {
  while (alive().length < n) procs.push(await startWorkerProcess(env))
}

const check = (fault: string, runId: string, mark: number, faultAt: number): Promise<CrashSummary> =>
  checkRecovery(e2e, fault, runId, mark, faultAt, summaries)
const waitFor = (mark: number, host: string, stage: string, event: 'start' | 'end'): Promise<void> =>
  waitForHostLog(e2e, mark, host, stage, event)

describe('crash matrix: SIGKILL of the worker holding the host', () => {
  for (const p of WORKER_CRASH_POINTS) {
    it(
      p.fault,
      async () => {
        setHooks(e2e.fleet, CRASH_HOSTS, p.hooks)
        await ensureWorkers(2)
        const mark = e2e.fleet.readHostLog().length
        const run = await e2e.start({ clusterids: ALL_CLUSTERS })
        await waitFor(mark, p.host, p.stage, p.event)
        const pid = await holderPid(e2e, p.host, run.id)
        const victim = alive().find((w) => w.pid === pid)
        expect(victim, `no live worker with pid ${pid}`).toBeDefined()
        victim!.child.kill('SIGKILL')
        const faultAt = Date.now()
        await check(p.fault, run.id, mark, faultAt)
      },
      120_000
    )
  }
})

describe('crash matrix: take-over while the host reboots (issue 11 item 6)', () => {
  it('Maintenance reboots the host, the worker is killed while it is down: the new worker waits for SSH and completes', async () => {
    setHooks(e2e.fleet, CRASH_HOSTS, CRASH_BASE_HOOKS)
    setHooks(e2e.fleet, ['m1a'], { ...CRASH_BASE_HOOKS, Maintenance: { sleepSec: 30, stdout: 'rebooting' } })
    // One worker runs everything up to the reboot; the one that takes over has never reached m1a
    // (no pooled connection that would hide a single failed connection attempt).
    for (const p of alive().slice(1)) p.child.kill('SIGKILL')
    await ensureWorkers(1)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: ALL_CLUSTERS })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    const [victim] = alive()
    expect(await holderPid(e2e, 'm1a', run.id)).toBe(victim!.pid)
    await ensureWorkers(2)
    // Down for longer than the lease takes to pass to the other worker: it finds the host unreachable.
    const reboot = e2e.fleet.host('m1a').reboot(7000)
    // The reboot killed the script (SIGKILL: it cannot log that itself); the invariant check needs to know.
    appendFileSync(e2e.fleet.hostLogPath, `${Date.now()} m1a Maintenance killed\n`)
    victim!.child.kill('SIGKILL')
    const faultAt = Date.now()
    await check('worker killed while the host reboots', run.id, mark, faultAt)
    await reboot
  }, 120_000)
})

describe('crash matrix: the API and Redis', () => {
  it('API process killed mid-run: the run goes on, a restarted API reports it', async () => {
    setHooks(e2e.fleet, CRASH_HOSTS, { ...CRASH_BASE_HOOKS, Maintenance: { sleepSec: 1 } })
    await ensureWorkers(2)
    const apiEnv = {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      ROLLMAINT_API_KEYS: '',
      ROLLMAINT_DATA_DIR: '/tmp/rollmaint-crash-api'
    }
    const api = await startNodeProcess('api/server.ts', apiEnv, 'Server listening')
    procs.push(api)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: ALL_CLUSTERS })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    api.child.kill('SIGKILL')
    const faultAt = Date.now()
    const again = await startNodeProcess('api/server.ts', apiEnv, 'Server listening')
    procs.push(again)
    await check('API killed mid-run', run.id, mark, faultAt)
  }, 120_000)

  it('Redis restarted mid-run (AOF, appendfsync everysec): nothing lost, nothing run twice', async () => {
    setHooks(e2e.fleet, CRASH_HOSTS, { ...CRASH_BASE_HOOKS, Maintenance: { sleepSec: 1.5 } })
    await ensureWorkers(2)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: ALL_CLUSTERS })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    await redis.restart(1000)
    const faultAt = Date.now()
    await check('Redis restarted mid-run', run.id, mark, faultAt)
  }, 120_000)
})
