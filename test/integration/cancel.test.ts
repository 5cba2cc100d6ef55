import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { createWorker, type RollmaintWorker } from '../../workers/create-worker.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { invariantViolations } from '../support/host-log-checks.js'
import { e2eApi } from '../support/e2e-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'cancel-admin-0123456789',
  secretKey: 'cancel-admin-secret-0123456789',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'ro',
  apiKey: 'cancel-reader-0123456789',
  secretKey: 'cancel-reader-secret-0123456789',
  role: 'readonly'
}
const basic = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})
const CLUSTERS = [
  { name: 'x1', hosts: ['x1a', 'x1b', 'x1c'] },
  { name: 'x2', hosts: ['x2a', 'x2b', 'x2c'] },
  // Only for the PreFlight cancel: more clusters than the worker's two job slots.
  { name: 'x3', hosts: ['x3a'] },
  { name: 'x4', hosts: ['x4a'] }
]
const MAIN = CLUSTERS.slice(0, 2)
const ALL = CLUSTERS.flatMap((c) => c.hosts)

let e2e: E2E
let fastify: FastifyInstance
let lateWorker: RollmaintWorker | undefined
beforeAll(async () => {
  // Two jobs at a time per worker, so that a run's PreFlight jobs queue up behind each other.
  e2e = await startE2E({ label: 'cancel', clusters: CLUSTERS, env: { ROLLMAINT_WORKER_CONCURRENCY: '2' } })
  fastify = await e2eApi(e2e, [ADMIN, READER])
})
afterAll(async () => {
  await fastify?.close()
  await lateWorker?.forceClose()
  await e2e?.close()
})

describe('cancel', () => {
  it('hosts in progress finish their cycle, no new host starts, status cancelled, the result lists what was done', async () => {
    setHooks(e2e.fleet, ALL, { PreFlight: {}, Maintenance: { sleepSec: 1.5, stdout: 'patched' }, PostMaintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const log = () => e2e.fleet.readHostLog().slice(mark)
    const run = await e2e.start({ clusterids: MAIN.map((c) => clusterId(c.name)) })
    // Cancel while the first host of EACH cluster is inside its Maintenance stage.
    const inMaintenance = (): Set<string> =>
      new Set(
        log()
          .filter((e) => e.stage === 'Maintenance' && e.event === 'start')
          .map((e) => e.host)
      )
    const deadline = Date.now() + 20_000
    while (!(inMaintenance().has('x1a') && inMaintenance().has('x2a'))) {
      if (Date.now() > deadline) throw new Error(`the first hosts never reached Maintenance: ${JSON.stringify(log())}`)
      await sleep(20)
    }
    expect(log().filter((e) => e.stage === 'Maintenance' && e.event === 'end')).toEqual([])
    expect(
      (
        await fastify.inject({
          method: 'POST',
          url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
          headers: basic(READER)
        })
      ).statusCode
    ).toBe(403)
    const res = await fastify.inject({
      method: 'POST',
      url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
      headers: basic(ADMIN)
    })
    expect(res.statusCode).toBe(202)
    expect(res.json()).toMatchObject({ id: run.id, status: 'running' })
    // Asking twice is harmless while the run winds down.
    expect(
      (
        await fastify.inject({
          method: 'POST',
          url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
          headers: basic(ADMIN)
        })
      ).statusCode
    ).toBe(202)

    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('cancelled')
    const entries = log()
    // Only the two hosts in hand ever started a stage after PreFlight: nothing new started after the cancel.
    const touched = new Set(entries.filter((e) => e.stage !== 'PreFlight').map((e) => e.host))
    expect([...touched].sort()).toEqual(['x1a', 'x2a'])
    // ... and they finished their whole cycle: Maintenance ran to its end (not killed), then PostMaintenance.
    for (const h of ['x1a', 'x2a']) {
      expect(entries.find((e) => e.host === h && e.stage === 'Maintenance' && e.event !== 'start')).toMatchObject({
        event: 'end',
        rc: 0
      })
      expect(entries.some((e) => e.host === h && e.stage === 'PostMaintenance' && e.event === 'end')).toBe(true)
    }
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/cancelled/)
    expect(r.hostsupdated.map((h) => h.hostname).sort()).toEqual(['x1a', 'x2a'])
    expect(r.hostsupdated.every((h) => h.output === 'patched\n' && h.enddate >= h.startdate)).toBe(true)
    expect(done.progress.hostsDone).toBe(2)
    expect(invariantViolations(entries, (h) => h.slice(0, 2))).toEqual([])
    // Never abandoned in maintenance mode: every host is back to Enabled.
    const states = (await e2e.runService.listHosts()).map((h) => [h.name, h.resourceState])
    expect(states).toEqual(ALL.map((h) => [h, 'Enabled']))
    // The clusters are free again.
    const again = await e2e.start({ hostids: ['host-x1c'] })
    expect((await e2e.waitForRun(again.id)).status).toBe('succeeded')
  })

  it('cancelled during PreFlight: PreFlight jobs still queued do not start, nothing else runs', async () => {
    // PreFlights long enough that the cancel lands before a slot frees up, however slow this loop.
    setHooks(e2e.fleet, ALL, { PreFlight: { sleepSec: 4 }, Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const log = () => e2e.fleet.readHostLog().slice(mark)
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    while (!log().some((e) => e.stage === 'PreFlight' && e.event === 'start')) await sleep(20)
    expect(
      (
        await fastify.inject({
          method: 'POST',
          url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
          headers: basic(ADMIN)
        })
      ).statusCode
    ).toBe(202)
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('cancelled')
    const entries = log()
    expect(entries.filter((e) => e.stage !== 'PreFlight')).toEqual([])
    // With two job slots at most two clusters' PreFlight jobs (one per cluster) were in hand; the
    // other two clusters' never began. Counted, not timed: a job in hand before the cancel logs its
    // starts only once its SSH sessions are up, which under load came well after the cancel (the
    // slots free up only after a 4 s PreFlight).
    const startedClusters = new Set(entries.filter((e) => e.event === 'start').map((e) => e.host.slice(0, 2)))
    expect(startedClusters.size).toBeLessThanOrEqual(2)
  })

  it('a finished run cannot be cancelled (409); an unknown one is 404', async () => {
    setHooks(e2e.fleet, ['x1a'], { Maintenance: {} })
    const run = await e2e.start({ hostids: ['host-x1a'] })
    await e2e.waitForRun(run.id)
    const res = await fastify.inject({
      method: 'POST',
      url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
      headers: basic(ADMIN)
    })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'RUN_FINISHED' })
    expect(
      (await fastify.inject({ method: 'POST', url: '/api/v1/rolling-maintenance/nope/cancel', headers: basic(ADMIN) }))
        .statusCode
    ).toBe(404)
  })

  it('a run cancelled before any worker took it ends cancelled with nothing done', async () => {
    // The only worker stops taking jobs; a fresh one comes after the cancel.
    await e2e.workers[0]!.drain()
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: [clusterId('x2')] })
    expect(
      (
        await fastify.inject({
          method: 'POST',
          url: `/api/v1/rolling-maintenance/${run.id}/cancel`,
          headers: basic(ADMIN)
        })
      ).statusCode
    ).toBe(202)
    lateWorker = await createWorker({ config: e2e.config, inventory: e2e.inventory, logger: pino({ level: 'silent' }) })
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('cancelled')
    expect(done.result!.rollingmaintenance).toMatchObject({ success: false, hostsupdated: [], hostsskipped: [] })
    expect(e2e.fleet.readHostLog().slice(mark)).toEqual([])
  })
})
