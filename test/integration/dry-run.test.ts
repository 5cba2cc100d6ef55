import net from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { createRunService } from '../../service/create-run-service.js'
import { loadConfig } from '../../shared/config.js'
import type { DryRunPlan } from '../../shared/dry-run-plan.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'
import { e2eApi } from '../support/e2e-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'dry-admin-0123456789',
  secretKey: 'dry-admin-secret-0123456789',
  role: 'admin'
}
const basic = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})
const CLUSTERS = [
  { name: 'd1', hosts: ['d1a', 'd1b', 'd1c'], gate: ['true'] },
  { name: 'd2', hosts: ['d2a', 'd2b'] }
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({ label: 'dryrun', clusters: CLUSTERS, hostOverrides: { d2b: { enabled: false } } })
  fastify = await e2eApi(e2e, [ADMIN])
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

const post = (body: unknown) =>
  fastify.inject({ method: 'POST', url: '/api/v1/rolling-maintenance', headers: basic(ADMIN), payload: body as object })
const runCount = () => e2e.redis.zcard(e2e.keys.runIndex())
const reservations = () => e2e.redis.mget(...CLUSTERS.map((c) => e2e.keys.clusterRun(clusterId(c.name))))

describe('dryRun', () => {
  it('200 {plan}: per cluster in order, each host with action and reason; no run, no reservation, nothing on a host; then a real run does what it said', async () => {
    setHooks(e2e.fleet, ALL, { PreFlight: {}, Maintenance: { stdout: 'ok' } })
    const mark = e2e.fleet.readHostLog().length
    const before = await runCount()
    const body = {
      clusterids: CLUSTERS.map((c) => clusterId(c.name)),
      forced: true,
      canary: 1,
      soakSeconds: 0,
      maxFailures: 1
    }
    const res = await post({ ...body, dryRun: true })
    expect(res.statusCode).toBe(200)
    const { plan } = res.json() as { plan: DryRunPlan }
    expect(plan).toMatchObject({ hostsTotal: 5, hostsToMaintain: 4, hostsToSkip: 1, wouldStart: true })
    expect(plan.clusters.map((c) => [c.clusterName, c.hosts.map((h) => [h.hostName, h.action])])).toEqual([
      [
        'd1',
        [
          ['d1a', 'maintain'],
          ['d1b', 'maintain'],
          ['d1c', 'maintain']
        ]
      ],
      [
        'd2',
        [
          ['d2a', 'maintain'],
          ['d2b', 'skip']
        ]
      ]
    ])
    expect(plan.clusters[0]).toMatchObject({ gate: ['true'], gateTimeout: 1800, maintenanceDriver: 'none' })
    expect(plan.clusters[1]!.hosts[1]!.reason).toMatch(/not Enabled/)
    expect(plan.controls).toMatchObject({ forced: true, maxFailures: null, canary: 1 })
    // Nothing was created, reserved or run.
    expect(await runCount()).toBe(before)
    expect(await reservations()).toEqual([null, null])
    expect(e2e.fleet.readHostLog().slice(mark)).toEqual([])

    // The same request for real: the hosts the plan would maintain are the ones updated.
    const real = await post({ ...body, canary: undefined })
    expect(real.statusCode).toBe(202)
    const done = await e2e.waitForRun((real.json() as { id: string }).id)
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname).sort()).toEqual([
      'd1a',
      'd1b',
      'd1c',
      'd2a'
    ])
    expect(done.result!.rollingmaintenance.hostsskipped.map((h) => h.hostname)).toEqual(['d2b'])
  })

  it('names the active run of an overlapping cluster (a real start would be 409), and reserves nothing itself', async () => {
    setHooks(e2e.fleet, ['d2a'], { Maintenance: { sleepSec: 2 } })
    const active = await e2e.start({ hostids: [hostId('d2a')] })
    const res = await post({ clusterids: [clusterId('d2')], dryRun: true, forced: true })
    expect(res.statusCode).toBe(200)
    const { plan } = res.json() as { plan: DryRunPlan }
    expect(plan.wouldStart).toBe(false)
    expect(plan.clusters[0]!.activeRunId).toBe(active.id)
    expect(plan.problems).toEqual([`cluster d2 is in active run ${active.id}: a real start would be refused (409)`])
    expect((await post({ clusterids: [clusterId('d2')], forced: true })).statusCode).toBe(409)
    await e2e.waitForRun(active.id)
    // The finished run's cluster is free again and the dry run says so.
    expect(
      ((await post({ clusterids: [clusterId('d2')], dryRun: true, forced: true })).json() as { plan: DryRunPlan }).plan
        .wouldStart
    ).toBe(true)
  })

  it('without forced, a failing host check means the run would end at once', async () => {
    const { plan } = (await post({ clusterids: [clusterId('d2')], dryRun: true })).json() as { plan: DryRunPlan }
    expect(plan.wouldStart).toBe(false)
    expect(plan.problems[0]).toMatch(/1 host fails the host checks .* nothing done/)
  })

  it('opens no connection to any host (counted at a TCP listener standing in for sshd)', async () => {
    let connections = 0
    const server = net.createServer((s) => {
      connections += 1
      s.destroy()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const prefix = uniquePrefix('dryrun-nossh')
    const host = (id: string) => ({
      id,
      name: id,
      address: '127.0.0.1',
      port,
      hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA',
      maintenance: { driver: 'libvirt' }
    })
    const inventory = inventoryOf({ defaults: {}, clusters: [{ id: 'c', hosts: [host('h1'), host('h2')] }] }, 'nossh')
    const service = await createRunService({
      config: loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix }),
      inventory,
      logger: pino({ level: 'silent' })
    })
    try {
      const plan = await service.planRun({ zoneids: [], podids: [], clusterids: ['c'], hostids: [], forced: false })
      expect(plan.hostsToMaintain).toBe(2)
      // libvirt without a recorded placement: the verdict is unknown, not guessed by asking the hosts.
      expect(plan.clusters[0]!.capacity).toMatchObject({ verdict: 'unknown' })
      await new Promise((r) => setTimeout(r, 200))
      expect(connections).toBe(0)
    } finally {
      await service.close()
      server.close()
      await deletePrefix(prefix)
    }
  })
})
