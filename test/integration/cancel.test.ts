import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { invariantViolations } from '../support/host-log-checks.js'

const ADMIN: ApiUser = { name: 'ops', apiKey: 'cancel-admin-0123456789', secretKey: 'cancel-admin-secret-0123456789', role: 'admin' }
const READER: ApiUser = { name: 'ro', apiKey: 'cancel-reader-0123456789', secretKey: 'cancel-reader-secret-0123456789', role: 'readonly' }
const basic = (u: ApiUser) => ({ authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}` })
const CLUSTERS = [
  { name: 'x1', hosts: ['x1a', 'x1b', 'x1c'] },
  { name: 'x2', hosts: ['x2a', 'x2b', 'x2c'] },
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({ label: 'cancel', clusters: CLUSTERS })
  fastify = Fastify(serverOptions)
  await fastify.register(app, { config: e2e.config, inventory: e2e.inventory, runService: e2e.runService, apiKeys: createApiKeyStore([ADMIN, READER]) })
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

describe('cancel', () => {
  it('hosts in progress finish their cycle, no new host starts, status cancelled, the result lists what was done', async () => {
    setHooks(e2e.fleet, ALL, { PreFlight: {}, Maintenance: { sleepSec: 1.5 }, PostMaintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    while (!e2e.fleet.readHostLog().slice(mark).some((e) => e.stage === 'Maintenance' && e.event === 'start')) await sleep(20)
    expect((await fastify.inject({ method: 'POST', url: `/api/v1/rolling-maintenance/${run.id}/cancel`, headers: basic(READER) })).statusCode).toBe(403)
    const res = await fastify.inject({ method: 'POST', url: `/api/v1/rolling-maintenance/${run.id}/cancel`, headers: basic(ADMIN) })
    expect(res.statusCode).toBe(202)
    const cancelledAt = Date.now()
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('cancelled')
    const log = e2e.fleet.readHostLog().slice(mark)
    const started = new Set(log.filter((e) => e.stage === 'Maintenance' && e.event === 'start').map((e) => e.host))
    // every host that entered Maintenance finished it and its PostMaintenance; none started after the cancel
    for (const h of started) expect(log.some((e) => e.host === h && e.stage === 'PostMaintenance' && e.event === 'end')).toBe(true)
    expect(log.filter((e) => e.stage === 'Maintenance' && e.event === 'start' && e.t > cancelledAt + 100)).toEqual([])
    expect(started.size).toBeLessThan(ALL.length)
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname).sort()).toEqual([...started].sort())
    expect(done.result!.rollingmaintenance.details).toMatch(/cancelled/)
    expect(invariantViolations(log, (h) => h.slice(0, 2))).toEqual([])
    expect((await e2e.runService.listHosts()).every((h) => h.resourceState === 'Enabled')).toBe(true)
  })

  it('a finished run cannot be cancelled (409); an unknown one is 404', async () => {
    setHooks(e2e.fleet, ['x1a'], { Maintenance: {} })
    const run = await e2e.start({ hostids: ['host-x1a'] })
    await e2e.waitForRun(run.id)
    const res = await fastify.inject({ method: 'POST', url: `/api/v1/rolling-maintenance/${run.id}/cancel`, headers: basic(ADMIN) })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'RUN_FINISHED' })
    expect((await fastify.inject({ method: 'POST', url: '/api/v1/rolling-maintenance/nope/cancel', headers: basic(ADMIN) })).statusCode).toBe(404)
  })
})
