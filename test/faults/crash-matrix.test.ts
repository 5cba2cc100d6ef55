import { appendFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOSTS_QUEUE } from '../../shared/queue-names.js'
import type { StageName } from '../../shared/types.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks, type HookSpec } from '../support/hooks.js'
import { invariantViolations, startCounts } from '../support/host-log-checks.js'
import { startOwnRedis, type OwnRedis } from '../support/redis-server.js'
import { startNodeProcess, startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

// Two clusters of two hosts; the crash always targets m1a or m1b in cluster m1.
const CLUSTERS = [
  { name: 'm1', hosts: ['m1a', 'm1b'] },
  { name: 'm2', hosts: ['m2a', 'm2b'] }
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)
const clusterOf = (h: string): string => CLUSTERS.find((c) => c.hosts.includes(h))!.name
const base: Partial<Record<StageName, HookSpec>> = {
  PreFlight: {},
  PreMaintenance: {},
  Maintenance: { sleepSec: 0.3 },
  PostMaintenance: {}
}

interface Summary {
  fault: string
  recoveryMs: number
  stagesTwice: number
  violations: number
  leftInMaintenance: number
  success: boolean
}
const summaries: Summary[] = []

let redis: OwnRedis
let e2e: E2E
let env: Record<string, string>
const procs: WorkerProcess[] = []
const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)

beforeAll(async () => {
  redis = await startOwnRedis()
  e2e = await startE2E({ label: 'crash', clusters: CLUSTERS, workers: 0, redisUrl: redis.url })
  env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
}, 60_000)
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
  await redis?.stop()
  console.info(
    'crash matrix:\n' +
      summaries
        .map(
          (s) =>
            `  ${s.fault.padEnd(34)} recovery ${String(s.recoveryMs).padStart(5)} ms  twice ${s.stagesTwice}  violations ${s.violations}  left in maintenance ${s.leftInMaintenance}  success ${s.success}`
        )
        .join('\n') +
      `\n  faults ${summaries.length}, runs completed ${summaries.filter((s) => s.success).length}, worst recovery ${Math.max(...summaries.map((s) => s.recoveryMs))} ms`
  )
})

async function ensureWorkers(n: number): Promise<void> {
  while (alive().length < n) procs.push(await startWorkerProcess(env))
}

async function waitFor(mark: number, host: string, stage: string, event: 'start' | 'end'): Promise<void> {
  const deadline = Date.now() + 30_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === host && e.stage === stage && e.event === event)
  ) {
    if (Date.now() > deadline) throw new Error(`${host} ${stage} ${event} never came`)
    await sleep(10)
  }
}

const pidOf = (workerId: string | undefined | null): number | undefined =>
  workerId ? Number(workerId.split(':')[1]) : undefined

/** The worker process that holds the cluster's lease, or (before any lease) ran the host's PreFlight job. */
async function holderPid(host: string, runId: string): Promise<number | undefined> {
  const lease = await e2e.redis.get(e2e.keys.clusterLease(clusterId(clusterOf(host))))
  if (lease) return pidOf(lease.split('|')[1])
  const index = ALL.indexOf(host)
  return pidOf(await e2e.redis.hget(`${e2e.keys.bullPrefix}:${HOSTS_QUEUE}:${runId}.pf.${index}`, 'pb'))
}

/**
 * Recovery: the first run event about the faulty cluster recorded after the fault (only a surviving
 * worker can write one), or the end of the run.
 */
async function firstEventAfter(runId: string, since: number, cluster: string): Promise<number> {
  const hosts = new Set(CLUSTERS.find((c) => c.name === cluster)!.hosts.map((h) => `host-${h}`))
  const deadline = Date.now() + 60_000
  for (;;) {
    const entries = await e2e.redis.xrange(e2e.keys.runEvents(runId), `${since + 1}`, '+')
    for (const [id, fields] of entries) {
      const type = fields[fields.indexOf('type') + 1]
      const data = JSON.parse(fields[fields.indexOf('data') + 1] ?? '{}') as { hostId?: string }
      if (type === 'run.finished' || (data.hostId && hosts.has(data.hostId))) return Number(id.split('-')[0])
    }
    if (Date.now() > deadline) throw new Error('no progress after the fault')
    await sleep(20)
  }
}

async function check(fault: string, runId: string, mark: number, faultAt: number): Promise<void> {
  const recoveredAt = await firstEventAfter(runId, faultAt, 'm1')
  const done = await e2e.waitForRun(runId, 90_000)
  const log = e2e.fleet.readHostLog().slice(mark)
  const twice = [...startCounts(log.filter((e) => e.host !== 'test')).values()].filter((n) => n > 1).length
  const violations = invariantViolations(log, clusterOf).length
  const left = (await e2e.runService.listHosts()).filter((h) => h.resourceState !== 'Enabled').length
  const r = done.result!.rollingmaintenance
  summaries.push({
    fault,
    recoveryMs: recoveredAt - faultAt,
    stagesTwice: twice,
    violations,
    leftInMaintenance: left,
    success: r.success
  })
  expect(r.success).toBe(true)
  expect(r.hostsupdated.map((h) => h.hostname).sort()).toEqual([...ALL].sort())
  expect(twice).toBe(0)
  expect(violations).toBe(0)
  expect(left).toBe(0)
}

const points: Array<{
  fault: string
  host: string
  stage: StageName
  event: 'start' | 'end'
  hooks: Partial<Record<StageName, HookSpec>>
}> = [
  {
    fault: 'worker killed during PreFlight',
    host: 'm1a',
    stage: 'PreFlight',
    event: 'start',
    hooks: { ...base, PreFlight: { sleepSec: 1 } }
  },
  {
    fault: 'worker killed during PreMaintenance',
    host: 'm1a',
    stage: 'PreMaintenance',
    event: 'start',
    hooks: { ...base, PreMaintenance: { sleepSec: 1 } }
  },
  { fault: 'worker killed entering maintenance', host: 'm1a', stage: 'PreMaintenance', event: 'end', hooks: base },
  {
    fault: 'worker killed during Maintenance',
    host: 'm1a',
    stage: 'Maintenance',
    event: 'start',
    hooks: { ...base, Maintenance: { sleepSec: 2 } }
  },
  { fault: 'worker killed exiting maintenance', host: 'm1a', stage: 'Maintenance', event: 'end', hooks: base },
  {
    fault: 'worker killed during PostMaintenance',
    host: 'm1a',
    stage: 'PostMaintenance',
    event: 'start',
    hooks: { ...base, PostMaintenance: { sleepSec: 1 } }
  },
  { fault: 'worker killed between two hosts', host: 'm1a', stage: 'PostMaintenance', event: 'end', hooks: base }
]

describe('crash matrix: SIGKILL of the worker holding the host', () => {
  for (const p of points) {
    it(
      p.fault,
      async () => {
        setHooks(e2e.fleet, ALL, p.hooks)
        await ensureWorkers(2)
        const mark = e2e.fleet.readHostLog().length
        const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
        await waitFor(mark, p.host, p.stage, p.event)
        const pid = await holderPid(p.host, run.id)
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
    setHooks(e2e.fleet, ALL, base)
    setHooks(e2e.fleet, ['m1a'], { ...base, Maintenance: { sleepSec: 30, stdout: 'rebooting' } })
    // One worker runs everything up to the reboot; the one that takes over has never reached m1a
    // (no pooled connection that would hide a single failed connection attempt).
    for (const p of alive().slice(1)) p.child.kill('SIGKILL')
    await ensureWorkers(1)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    const [victim] = alive()
    expect(await holderPid('m1a', run.id)).toBe(victim!.pid)
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
    setHooks(e2e.fleet, ALL, { ...base, Maintenance: { sleepSec: 1 } })
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
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    api.child.kill('SIGKILL')
    const faultAt = Date.now()
    const again = await startNodeProcess('api/server.ts', apiEnv, 'Server listening')
    procs.push(again)
    await check('API killed mid-run', run.id, mark, faultAt)
  }, 120_000)

  it('Redis restarted mid-run (AOF, appendfsync everysec): nothing lost, nothing run twice', async () => {
    setHooks(e2e.fleet, ALL, { ...base, Maintenance: { sleepSec: 1.5 } })
    await ensureWorkers(2)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    await waitFor(mark, 'm1a', 'Maintenance', 'start')
    await redis.restart(1000)
    const faultAt = Date.now()
    await check('Redis restarted mid-run', run.id, mark, faultAt)
  }, 120_000)
})
