import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { e2eApi } from '../support/e2e-api.js'

const READER: ApiUser = {
  name: 'prom',
  apiKey: 'prom-key-0123456789',
  secretKey: 'prom-secret-0123456789',
  role: 'readonly'
}
const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({
    label: 'metrics',
    clusters: [
      { name: 'mc', hosts: ['mh1', 'mh2'] },
      { name: 'dead', hosts: ['gone'] }
    ]
  })
  // a host whose sshd is down: connection refused
  await e2e.fleet.host('gone').stop()
  fastify = await e2eApi(e2e, [READER])
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.split(' ')[1]) : NaN
}

describe('/metrics', () => {
  it('runs by status, stage duration histogram, hosts in maintenance, queue depths, SSH failures', async () => {
    setHooks(e2e.fleet, ['mh1', 'mh2'], { PreFlight: {}, Maintenance: { sleepSec: 0.2 } })
    setHooks(e2e.fleet, ['mh2'], { PreFlight: {}, Maintenance: { exitCode: 3 } })
    await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('mc')], forced: true })).id)
    await e2e.waitForRun((await e2e.start({ hostids: [hostId('gone')] })).id)

    expect((await fastify.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    // Written by an older version (cumulative buckets): still counted after an upgrade.
    await e2e.redis.hset(e2e.keys.metricsStageDurations(), {
      'PreMaintenance|ok|0.5': 2,
      'PreMaintenance|ok|1': 2,
      'PreMaintenance|ok|+Inf': 2,
      'PreMaintenance|ok|count': 2,
      'PreMaintenance|ok|sum': 0.6
    })
    const res = await fastify.inject({ method: 'GET', url: '/metrics', headers: auth })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/plain/)
    const text = res.body
    expect(value(text, 'rollmaint_runs{status="succeeded"}')).toBe(1)
    expect(value(text, 'rollmaint_runs{status="failed"}')).toBe(1)
    expect(value(text, 'rollmaint_hosts_in_maintenance')).toBe(0)
    expect(text).toMatch(/rollmaint_queue_jobs\{queue="rollmaint-hosts",state="completed"\} \d+/)
    // The cluster job ran in the worker's own queue (the one that ran its cluster's PreFlight).
    expect(value(text, 'rollmaint_queue_jobs{queue="rollmaint-hosts.w.*",state="completed"}')).toBeGreaterThanOrEqual(1)
    expect(value(text, 'rollmaint_workers{state="live"}')).toBe(1)
    expect(value(text, 'rollmaint_ssh_connection_failures_total{kind="SSH_UNREACHABLE"}')).toBeGreaterThanOrEqual(1)
    // histogram: Maintenance ok once (mh1, 0.2 s), failed once (mh2); cumulative buckets
    expect(value(text, 'rollmaint_stage_duration_seconds_count{stage="Maintenance",outcome="ok"}')).toBe(1)
    expect(value(text, 'rollmaint_stage_duration_seconds_bucket{stage="Maintenance",outcome="ok",le="0.1"}')).toBe(0)
    // 0.2 s (plus the runner's own time): counted from the 0.5 s bucket up, stored once, added up here.
    for (const le of ['0.5', '1', '5', '1800'])
      expect(value(text, `rollmaint_stage_duration_seconds_bucket{stage="Maintenance",outcome="ok",le="${le}"}`)).toBe(
        1
      )
    expect(value(text, 'rollmaint_stage_duration_seconds_bucket{stage="Maintenance",outcome="ok",le="+Inf"}')).toBe(1)
    // A chained stage's duration runs from the worker's receipt of the reply before it to its own
    // (workers/ssh/run-stage.ts): the 0.2 s, give or take the worker's delay in reading the first.
    expect(value(text, 'rollmaint_stage_duration_seconds_sum{stage="Maintenance",outcome="ok"}')).toBeGreaterThan(0.18)
    expect(value(text, 'rollmaint_stage_duration_seconds_count{stage="Maintenance",outcome="failed"}')).toBe(1)
    expect(value(text, 'rollmaint_stage_duration_seconds_count{stage="PreFlight",outcome="unreachable"}')).toBe(1)
    expect(text).toContain('# TYPE rollmaint_stage_duration_seconds histogram')
    const old = (le: string) =>
      value(text, `rollmaint_stage_duration_seconds_bucket{stage="PreMaintenance",outcome="ok",le="${le}"}`)
    expect([old('0.1'), old('0.5'), old('1'), old('+Inf')]).toEqual([0, 2, 2, 2])
  })
})

describe('/docs', () => {
  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await fastify.inject({ method: 'GET', url: '/docs/json', headers: auth })
    expect(res.statusCode).toBe(200)
    const doc = res.json() as {
      openapi: string
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: { properties: Record<string, { maximum?: number }> } }> }
          }
        >
      >
    }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/rolling-maintenance',
        '/api/v1/rolling-maintenance/{id}',
        '/api/v1/rolling-maintenance/{id}/events',
        '/api/v1/hosts'
      ])
    )
    expect(
      doc.paths['/api/v1/rolling-maintenance']!.post!.requestBody!.content['application/json']!.schema.properties
        .timeout!.maximum
    ).toBe(604800)
    expect((await fastify.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(401)
  })
})
