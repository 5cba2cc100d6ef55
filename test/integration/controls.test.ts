import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import type { RunView } from '../../shared/run-view.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { invariantViolations } from '../support/host-log-checks.js'
import { e2eApi } from '../support/e2e-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'ctl-admin-0123456789',
  secretKey: 'ctl-admin-secret-0123456789',
  role: 'admin'
}
const ALICE: ApiUser = {
  name: 'alice',
  apiKey: 'ctl-alice-0123456789',
  secretKey: 'ctl-alice-secret-0123456789',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'ro',
  apiKey: 'ctl-reader-0123456789',
  secretKey: 'ctl-reader-secret-0123456789',
  role: 'readonly'
}
const basic = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})

const flagDir = mkdtempSync(path.join(os.tmpdir(), 'rm-gate-flag-'))
const gateFlag = path.join(flagDir, 'healthy')
const CLUSTERS = [
  { name: 'p1', hosts: ['p1a', 'p1b', 'p1c'] },
  { name: 'p2', hosts: ['p2a', 'p2b'] },
  // The gate passes only while the flag file exists; it sees the next host's name as an argument.
  {
    name: 'g1',
    hosts: ['g1a', 'g1b'],
    gate: ['sh', '-c', `echo "gate for $1"; test -f ${gateFlag}`, 'gate', '{host.name}']
  },
  { name: 'g2', hosts: ['g2a'], gate: ['sh', '-c', 'echo storage degraded; exit 3'], gateTimeout: 1 }
]

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({ label: 'controls', clusters: CLUSTERS, env: { ROLLMAINT_MAX_PARALLEL_CLUSTERS: '1' } })
  fastify = await e2eApi(e2e, [ADMIN, ALICE, READER])
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
  rmSync(flagDir, { recursive: true, force: true })
})

const api = async (method: 'GET' | 'POST', url: string, user: ApiUser = ADMIN, payload?: object) =>
  fastify.inject({
    method,
    url: `/api/v1/rolling-maintenance${url}`,
    headers: basic(user),
    ...(payload ? { payload } : {})
  })
const start = async (body: object, user: ApiUser = ADMIN): Promise<RunView> => {
  const res = await api('POST', '', user, body)
  expect(res.statusCode, res.body).toBe(202)
  return res.json() as RunView
}
const get = async (id: string): Promise<RunView> => (await api('GET', `/${id}`)).json() as RunView
const eventTypes = async (id: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> => {
  const entries = await e2e.redis.xrange(e2e.keys.runEvents(id), '-', '+')
  return entries.map(([, f]) => ({ type: f[1]!, data: JSON.parse(f[3]!) as Record<string, unknown> }))
}
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}
const logSince = (mark: number) => e2e.fleet.readHostLog().slice(mark)

describe('pause and resume (docs/api.md#operator-controls)', () => {
  it('pause: the host in its cycle finishes it, no new host starts, the reservation is held; resume goes on; the audit names both keys', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { PreFlight: {}, Maintenance: { sleepSec: 1 }, PostMaintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ clusterids: [clusterId('p1')] })
    await until('p1a in Maintenance', () =>
      logSince(mark).some((e) => e.host === 'p1a' && e.stage === 'Maintenance' && e.event === 'start')
    )
    expect((await api('POST', `/${run.id}/pause`, READER)).statusCode).toBe(403)
    const paused = await api('POST', `/${run.id}/pause`, ALICE)
    expect(paused.statusCode).toBe(202)
    expect(paused.json()).toMatchObject({
      status: 'paused',
      progress: { paused: { reason: 'operator', by: 'alice' }, message: 'paused by alice' }
    })
    // Pausing twice is harmless.
    expect((await api('POST', `/${run.id}/pause`)).statusCode).toBe(202)
    // p1a finishes its whole cycle (the stage is never interrupted) ...
    await until('p1a PostMaintenance', () =>
      logSince(mark).some((e) => e.host === 'p1a' && e.stage === 'PostMaintenance' && e.event === 'end')
    )
    const maint = logSince(mark).find((e) => e.host === 'p1a' && e.stage === 'Maintenance' && e.event !== 'start')
    expect(maint).toMatchObject({ event: 'end', rc: 0 })
    // ... and then nothing new starts while paused; the cluster shows why.
    await sleep(1500)
    expect(logSince(mark).filter((e) => e.host !== 'p1a' && e.stage !== 'PreFlight')).toEqual([])
    const view = await get(run.id)
    expect(view.status).toBe('paused')
    expect(view.progress.hostsDone).toBe(1)
    expect(view.progress.clusters[0]!.waiting).toEqual({ kind: 'paused' })
    // Pausing holds the cluster reservation: an overlapping run is still refused.
    expect((await api('POST', '', ADMIN, { hostids: [hostId('p1c')] })).statusCode).toBe(409)

    const resumed = await api('POST', `/${run.id}/resume`)
    expect(resumed.statusCode).toBe(202)
    expect(resumed.json()).toMatchObject({ status: 'running' })
    expect((await api('POST', `/${run.id}/resume`)).json()).toMatchObject({ error: 'RUN_NOT_PAUSED' })
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('succeeded')
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['p1a', 'p1b', 'p1c'])
    expect(invariantViolations(logSince(mark), (h) => h.slice(0, 2))).toEqual([])
    const final = await get(run.id)
    expect(final.audit.map((a) => [a.action, a.by])).toEqual([
      ['started', 'ops'],
      ['paused', 'alice'],
      ['resumed', 'ops']
    ])
    const events = (await eventTypes(run.id)).filter((e) => e.type.startsWith('run.'))
    expect(events.map((e) => e.type)).toEqual(['run.started', 'run.paused', 'run.resumed', 'run.finished'])
    expect(events[1]!.data).toEqual({ reason: 'operator', by: 'alice' })
    // A finished run cannot be paused or resumed.
    expect((await api('POST', `/${run.id}/pause`)).json()).toMatchObject({ error: 'RUN_FINISHED' })
    expect((await api('POST', `/${run.id}/resume`)).statusCode).toBe(409)
    expect((await api('POST', '/00000000-0000-4000-8000-000000000000/pause')).statusCode).toBe(404)
  })

  it('cancel while paused: the sleeping cluster wakes and the run ends cancelled at once; the audit names the key', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { Maintenance: {} })
    const run = await start({ clusterids: [clusterId('p1')] })
    await api('POST', `/${run.id}/pause`)
    await until(
      'a paused cluster',
      async () => (await get(run.id)).progress.clusters[0]!.waiting?.kind === 'paused' || undefined
    )
    const cancelledAt = Date.now()
    expect((await api('POST', `/${run.id}/cancel`, ALICE)).statusCode).toBe(202)
    const done = await e2e.waitForRun(run.id, 10_000)
    expect(done.status).toBe('cancelled')
    // Woken, not left to its next check a minute later.
    expect(Date.now() - cancelledAt).toBeLessThan(5000)
    expect((await get(run.id)).audit.map((a) => [a.action, a.by])).toEqual([
      ['started', 'ops'],
      ['paused', 'ops'],
      ['cancelled', 'alice']
    ])
  })
})

describe('canary (docs/api.md#operator-controls)', () => {
  it('after the first N hosts are updated the run pauses itself (run.paused reason canary); resume finishes it', async () => {
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ clusterids: [clusterId('p1')], canary: 1 })
    const paused = await until('the canary pause', async () => {
      const v = await get(run.id)
      return v.status === 'paused' && v.progress.clusters[0]!.waiting ? v : undefined
    })
    expect(paused.progress).toMatchObject({
      hostsUpdated: 1,
      paused: { reason: 'canary' },
      canary: { size: 1, reached: true }
    })
    expect(paused.progress.message).toBe('paused after the canary: 1 host updated; resume to go on')
    expect(logSince(mark).map((e) => e.host)).toEqual(['p1a', 'p1a'])
    const ev = (await eventTypes(run.id)).find((e) => e.type === 'run.paused')
    expect(ev!.data).toEqual({ reason: 'canary', updated: 1 })
    await api('POST', `/${run.id}/resume`)
    const done = await e2e.waitForRun(run.id)
    expect(done.result!.rollingmaintenance.hostsupdated).toHaveLength(3)
    // The canary pauses once: the resumed run does not stop again.
    expect((await get(run.id)).audit.map((a) => [a.action, a.by, a.reason])).toEqual([
      ['started', 'ops', undefined],
      ['paused', undefined, 'canary'],
      ['resumed', 'ops', undefined]
    ])
  })
})

describe('maxFailures (docs/api.md#operator-controls)', () => {
  it('up to N failures are skipped with their reason, the next one stops the run; retry takes the failed, skipped-for-failure and never-started hosts', async () => {
    setHooks(e2e.fleet, ['p1a', 'p1b'], { Maintenance: { exitCode: 1, stdout: 'disk full' } })
    setHooks(e2e.fleet, ['p1c'], { Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ clusterids: [clusterId('p1')], maxFailures: 1 })
    const done = await e2e.waitForRun(run.id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.hostsskipped).toEqual([
      expect.objectContaining({
        hostname: 'p1a',
        reason: expect.stringMatching(/^Maintenance script failed: .*disk full/)
      })
    ])
    expect(r.details).toMatch(/p1b/)
    expect(done.progress.failures).toEqual({ count: 2, max: 1 })
    // p1c never started
    expect(logSince(mark).some((e) => e.host === 'p1c')).toBe(false)
    // Retry: not while a run is active, and a new run over p1a (skipped for a failure), p1b (failed), p1c (never started).
    setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { Maintenance: {} })
    const res = await api('POST', `/${run.id}/retry`, ALICE)
    expect(res.statusCode).toBe(202)
    const retry = res.json() as RunView
    expect(retry).toMatchObject({
      retryOf: run.id,
      request: { hostids: [hostId('p1a'), hostId('p1b'), hostId('p1c')], maxFailures: 1 }
    })
    expect((await api('POST', `/${retry.id}/retry`)).json()).toMatchObject({ error: 'RUN_ACTIVE' })
    const retried = await e2e.waitForRun(retry.id)
    expect(retried.status).toBe('succeeded')
    expect((await get(retry.id)).audit).toEqual([
      expect.objectContaining({ action: 'started', by: 'alice', runId: run.id })
    ])
    expect((await get(run.id)).audit.at(-1)).toMatchObject({ action: 'retried', by: 'alice', runId: retry.id })
    // Everything went through: nothing left to retry.
    expect((await api('POST', `/${retry.id}/retry`)).json()).toMatchObject({ error: 'NOTHING_TO_RETRY' })
  })

  it('maxFailures 2: both failures skipped, the run goes on to the end and succeeds', async () => {
    setHooks(e2e.fleet, ['p1a', 'p1b'], { Maintenance: { exitCode: 1 } })
    setHooks(e2e.fleet, ['p1c'], { Maintenance: {} })
    const done = await e2e.waitForRun((await start({ clusterids: [clusterId('p1')], maxFailures: 2 })).id)
    expect(done.result!.rollingmaintenance).toMatchObject({
      success: true,
      hostsupdated: [expect.objectContaining({ hostname: 'p1c' })]
    })
    expect(done.result!.rollingmaintenance.hostsskipped.map((h) => h.hostname)).toEqual(['p1a', 'p1b'])
  })
})

describe('soak (docs/api.md#operator-controls)', () => {
  it("the cluster waits soakSeconds after a host's PostMaintenance before its next host, and shows it", async () => {
    setHooks(e2e.fleet, CLUSTERS[1]!.hosts, { Maintenance: {}, PostMaintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await start({ clusterids: [clusterId('p2')], soakSeconds: 2 })
    const soaking = await until('the soak', async () => (await get(run.id)).progress.clusters[0]!.waiting)
    expect(soaking.kind).toBe('soak')
    await e2e.waitForRun(run.id)
    const log = logSince(mark)
    const postEnd = log.find((e) => e.host === 'p2a' && e.stage === 'PostMaintenance' && e.event === 'end')!.t
    const nextStart = log.find((e) => e.host === 'p2b' && e.event === 'start' && e.stage !== 'PreFlight')!.t
    expect(nextStart - postEnd).toBeGreaterThanOrEqual(2000)
    expect(nextStart - postEnd).toBeLessThan(6000)
  })
})

describe('window (docs/api.md#operator-controls)', () => {
  it('outside the window nothing starts: status running, progress says when it opens, run.waiting-window; cancel ends it at once', async () => {
    setHooks(e2e.fleet, CLUSTERS[1]!.hosts, { PreFlight: {}, Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    // A window that is closed now: it opens in 12 hours (UTC), for one hour.
    const opens = new Date(Date.now() + 12 * 3600_000)
    const hhmm = (d: Date) => d.toISOString().slice(11, 16)
    const window = { start: hhmm(opens), end: hhmm(new Date(opens.getTime() + 3600_000)), timezone: 'UTC' }
    const run = await start({ clusterids: [clusterId('p2')], window })
    const waiting = await until('the window wait', async () => {
      const v = await get(run.id)
      return v.progress.clusters[0]!.waiting ? v : undefined
    })
    expect(waiting.status).toBe('running')
    expect(waiting.progress.message).toMatch(/^waiting for window, opens \d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/)
    expect(waiting.progress.window).toMatchObject({ open: false })
    expect(waiting.progress.clusters[0]!.waiting).toMatchObject({ kind: 'window' })
    const ev = (await eventTypes(run.id)).find((e) => e.type === 'run.waiting-window')
    expect(ev!.data).toMatchObject({ clusterId: clusterId('p2'), opensAt: waiting.progress.window!.opensAt })
    // PreFlight ran (it is not maintenance); no host started its cycle.
    expect(logSince(mark).filter((e) => e.stage !== 'PreFlight')).toEqual([])
    await api('POST', `/${run.id}/cancel`)
    expect((await e2e.waitForRun(run.id, 10_000)).status).toBe('cancelled')
  })

  it('inside the window the run goes as usual', async () => {
    setHooks(e2e.fleet, CLUSTERS[1]!.hosts, { Maintenance: {} })
    const now = new Date()
    const hhmm = (d: Date) => d.toISOString().slice(11, 16)
    const window = {
      start: hhmm(new Date(now.getTime() - 3600_000)),
      end: hhmm(new Date(now.getTime() + 3600_000)),
      timezone: 'UTC'
    }
    expect((await e2e.waitForRun((await start({ clusterids: [clusterId('p2')], window })).id)).status).toBe('succeeded')
  })
})

describe('gates (docs/api.md#operator-controls)', () => {
  it(
    'a failing gate is retried every 10 s (gate.waiting, progress) and the host starts once it passes (gate.passed)',
    { timeout: 180_000 },
    async () => {
      setHooks(e2e.fleet, CLUSTERS[2]!.hosts, { Maintenance: {} })
      rmSync(gateFlag, { force: true })
      const mark = e2e.fleet.readHostLog().length
      const run = await start({ clusterids: [clusterId('g1')] })
      const view = await until('the gate wait', async () => {
        const v = await get(run.id)
        return v.progress.clusters[0]!.waiting?.kind === 'gate' ? v : undefined
      })
      expect(view.progress.clusters[0]!.waiting).toMatchObject({
        kind: 'gate',
        attempts: 1,
        lastExitCode: 1,
        output: 'gate for g1a\n'
      })
      expect(view.progress.message).toBe('cluster g1: gate waiting')
      expect(logSince(mark)).toEqual([])
      writeFileSync(gateFlag, '')
      const flagAt = Date.now()
      const done = await e2e.waitForRun(run.id, 40_000)
      expect(done.status).toBe('succeeded')
      const events = await eventTypes(run.id)
      const waitingEv = events.find((e) => e.type === 'gate.waiting')!
      expect(waitingEv.data).toMatchObject({ hostName: 'g1a', attempts: 1, exitCode: 1 })
      const passed = events.filter((e) => e.type === 'gate.passed')
      expect(passed.map((e) => [e.data.hostName, e.data.attempts])).toEqual([
        ['g1a', 2],
        ['g1b', 1]
      ])
      // The retry came about 10 s after the first attempt, not earlier.
      expect(Number(passed[0]!.data.waitedMs)).toBeGreaterThanOrEqual(9_500)
      expect(Date.now() - flagAt).toBeLessThan(30_000)
    }
  )

  it('a gate that keeps failing past gateTimeout is a failure of the stage Gate (forced: skipped with the reason)', async () => {
    setHooks(e2e.fleet, CLUSTERS[3]!.hosts, { Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const forced = await e2e.waitForRun((await start({ clusterids: [clusterId('g2')], forced: true })).id)
    expect(forced.result!.rollingmaintenance.hostsskipped).toEqual([
      expect.objectContaining({
        hostname: 'g2a',
        reason: 'Gate failed: gate not passed within 1 s (1 attempt; last exited 3): storage degraded'
      })
    ])
    const failed = await e2e.waitForRun((await start({ clusterids: [clusterId('g2')] })).id)
    expect(failed.result!.rollingmaintenance.success).toBe(false)
    expect(failed.result!.rollingmaintenance.details).toMatch(/Gate/)
    expect(logSince(mark)).toEqual([])
    expect(existsSync(gateFlag)).toBe(true)
  })
})
