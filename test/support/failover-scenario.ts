import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { Writable } from 'node:stream'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { expect } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import type { StageName } from '../../shared/types.js'
import { createRedisConnection } from '../../store/connection.js'
import { clusterId, startE2E } from './e2e-env.js'
import { setHooks, type HookSpec } from './hooks.js'
import { invariantViolations, startCounts } from './host-log-checks.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from './worker-process.js'

/** What a failover test needs from a Redis topology (Sentinel group or Cluster). */
export interface FailoverTopology {
  /** Variables that point rollmaint at it (REDIS_SENTINELS..., REDIS_CLUSTER_NODES). */
  env: Record<string, string>
  /** SIGKILLs the master that holds `hashTag`'s slot; resolves with the kill time. */
  killMaster(hashTag: string): Promise<number>
  /** Resolves once a replica serves that slot as master. */
  waitForPromotion(hashTag: string): Promise<void>
}

export interface FailoverReport {
  label: string
  /** From the SIGKILL to the first run event a worker wrote afterwards. */
  recoveryMs: number
  /** From the SIGKILL until a replica was master. */
  promotionMs: number
  stagesTwice: number
  violations: number
  leftInMaintenance: number
  success: boolean
  hostsUpdated: string[]
  /** HTTP statuses of GET /api/v1/rolling-maintenance/<id> polled through the failover. */
  apiStatuses: Record<number, number>
  lastApiStatus: number
  /** Body of a 503, to show what clients read. */
  api503Body: unknown
  workersAlive: number
  /** What the API logged at level error (the cause of any 500). */
  apiErrors: string[]
  /** Replicas each lease/slot write waited for, as the worker processes logged at start-up. */
  minReplicas: number[]
}

const CLUSTERS = [
  { name: 'f1', hosts: ['f1a', 'f1b'] },
  { name: 'f2', hosts: ['f2a', 'f2b'] },
  { name: 'f3', hosts: ['f3a', 'f3b'] }
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)
const clusterOf = (h: string): string => CLUSTERS.find((c) => c.hosts.includes(h))!.name
const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'ha-admin-key-0123456789',
  secretKey: 'ha-admin-secret-0123456789-abcdef',
  role: 'admin'
}
const AUTH = `Basic ${Buffer.from(`${ADMIN.apiKey}:${ADMIN.secretKey}`).toString('base64')}`

/**
 * A run over three clusters of two real sshd hosts, two worker processes and an API on the given
 * topology; the master is SIGKILLed while f1a is inside its Maintenance script. Everything it
 * started is stopped before it returns; the topology itself is the caller's.
 */
export async function runFailoverScenario(
  label: string,
  topology: FailoverTopology,
  extraEnv: Record<string, string> = {}
): Promise<FailoverReport> {
  const e2e = await startE2E({ label, clusters: CLUSTERS, workers: 0, redisEnv: topology.env, env: extraEnv })
  const workers: WorkerProcess[] = []
  // Errors the API logs (a 500's cause) are kept for the report.
  const apiErrors: string[] = []
  const sink = new Writable({ write: (chunk, _enc, cb) => (apiErrors.push(String(chunk).slice(0, 2000)), cb()) })
  const fastify = Fastify({ ...serverOptions, loggerInstance: pino({ level: 'error' }, sink) as FastifyBaseLogger })
  let polling = true
  let poller: Promise<void> | undefined
  try {
    const env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
    for (let i = 0; i < 2; i++) workers.push(await startWorkerProcess(env))
    await fastify.register(app, { config: e2e.config, inventory: e2e.inventory, apiKeys: createApiKeyStore([ADMIN]) })
    await fastify.ready()

    const hooks: Partial<Record<StageName, HookSpec>> = {
      PreFlight: {},
      PreMaintenance: {},
      Maintenance: { sleepSec: 2 },
      PostMaintenance: {}
    }
    setHooks(e2e.fleet, ALL, hooks)
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    const deadline = Date.now() + 60_000
    while (
      !e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.host === 'f1a' && e.stage === 'Maintenance' && e.event === 'start')
    ) {
      if (Date.now() > deadline) throw new Error('f1a never started Maintenance')
      await sleep(20)
    }

    // The API through the failover: every answer must be 200 or 503, never a 500.
    const apiStatuses: Record<number, number> = {}
    let api503Body: unknown
    poller = (async () => {
      while (polling) {
        const res = await fastify.inject({
          method: 'GET',
          url: `/api/v1/rolling-maintenance/${run.id}`,
          headers: { authorization: AUTH }
        })
        apiStatuses[res.statusCode] = (apiStatuses[res.statusCode] ?? 0) + 1
        if (res.statusCode === 503) api503Body ??= res.json()
        await sleep(100)
      }
    })()

    const tag = e2e.keys.bullPrefix
    const killedAt = await topology.killMaster(tag)
    await topology.waitForPromotion(tag)
    const promotionMs = Date.now() - killedAt
    const recoveredAt = await firstEventAfter(e2e, run.id, killedAt)
    const done = await e2e.waitForRun(run.id, 120_000)
    // A few answers after the run ended: the API must be back to 200.
    await sleep(500)
    polling = false
    await poller
    const final = await fastify.inject({
      method: 'GET',
      url: `/api/v1/rolling-maintenance/${run.id}`,
      headers: { authorization: AUTH }
    })
    apiStatuses[final.statusCode] = (apiStatuses[final.statusCode] ?? 0) + 1

    const log = e2e.fleet.readHostLog().slice(mark)
    const r = done.result!.rollingmaintenance
    return {
      label,
      recoveryMs: recoveredAt - killedAt,
      promotionMs,
      stagesTwice: [...startCounts(log.filter((e) => e.host !== 'test')).values()].filter((n) => n > 1).length,
      violations: invariantViolations(log, clusterOf).length,
      leftInMaintenance: (await e2e.runService.listHosts()).filter((h) => h.resourceState !== 'Enabled').length,
      success: r.success,
      hostsUpdated: r.hostsupdated.map((h) => h.hostname).sort(),
      apiStatuses,
      lastApiStatus: final.statusCode,
      api503Body,
      apiErrors,
      workersAlive: workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length,
      minReplicas: workers.map((w) => {
        const line = w.lines.find((l) => l.includes('lease and slot writes wait for this many replicas'))
        return line ? (JSON.parse(line) as { minReplicas: number }).minReplicas : -1
      })
    }
  } catch (err) {
    // The workers' own logs say why a run did not go on: keep them next to the failure.
    const dir = mkdtempSync(path.join(os.tmpdir(), `rollmaint-${label}-`))
    workers.forEach((w, i) => writeFileSync(path.join(dir, `worker-${i}.log`), w.lines.join('\n')))
    throw new Error(`${(err as Error).message} (worker logs in ${dir})`, { cause: err })
  } finally {
    polling = false
    await poller?.catch(() => undefined)
    for (const w of workers) w.child.kill('SIGKILL')
    await Promise.all(workers.map((w) => w.exited))
    await fastify.close()
    await e2e.close()
  }
}

export const FAILOVER_HOSTS = ALL

/** Blank = unset for loadConfig: the production lease, job lock and stalled-check defaults, not the tests' short ones. */
export const PRODUCTION_TIMINGS = {
  ROLLMAINT_LEASE_TTL_MS: '',
  ROLLMAINT_JOB_LOCK_MS: '',
  ROLLMAINT_STALLED_INTERVAL_MS: ''
}

/** The first run event (any host) appended after `since`: only a worker that reached the new master can write it. */
async function firstEventAfter(
  e2e: Awaited<ReturnType<typeof startE2E>>,
  runId: string,
  since: number
): Promise<number> {
  const deadline = Date.now() + 90_000
  let lastError: unknown
  for (;;) {
    const entries = await e2e.redis
      .xrange(e2e.keys.runEvents(runId), `${since + 1}`, '+', 'COUNT', 1)
      .catch((err: unknown) => {
        lastError = err
        return []
      })
    const first = entries[0]
    if (first) return Number(first[0].split('-')[0])
    if (Date.now() > deadline) {
      const fresh = createRedisConnection(e2e.config.redis, 'tool')
      const seen = await fresh
        .xrange(e2e.keys.runEvents(runId), `${since + 1}`, '+', 'COUNT', 1)
        .catch((err: unknown) => String(err))
      fresh.disconnect()
      throw new Error(
        `no run event after the failover (test connection ${e2e.redis.status}, last error ${String(lastError)}; a fresh connection reads ${JSON.stringify(seen)})`
      )
    }
    await sleep(20)
  }
}

/**
 * What every failover must leave: the right result, no stage twice, the invariant held, both workers
 * alive, writes acknowledged by a replica, never a 500 (a 503 while no master served), the API back.
 */
export function expectFailoverHeld(report: FailoverReport): void {
  expect(report.success).toBe(true)
  expect(report.hostsUpdated).toEqual([...FAILOVER_HOSTS].sort())
  expect(report.stagesTwice).toBe(0)
  expect(report.violations).toBe(0)
  expect(report.leftInMaintenance).toBe(0)
  expect(report.workersAlive).toBe(2)
  expect(report.minReplicas).toEqual([1, 1])
  expect(
    Object.keys(report.apiStatuses)
      .map(Number)
      .filter((s) => s !== 200 && s !== 503),
    report.apiErrors.join('\n')
  ).toEqual([])
  if (report.api503Body) expect(report.api503Body).toMatchObject({ error: 'REDIS_UNAVAILABLE' })
  expect(report.lastApiStatus).toBe(200)
  expect(report.recoveryMs).toBeLessThan(30_000)
}
