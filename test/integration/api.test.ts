import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { loadApiKeys } from '../../api/auth/load-api-keys.js'
import { loadConfig } from '../../shared/config.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'
import { loggedApi } from '../support/logged-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'admin-key-0123456789',
  secretKey: 'admin-secret-0123456789-abcdef',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'viewer',
  apiKey: 'reader-key-0123456789',
  secretKey: 'reader-secret-0123456789-abcdef',
  role: 'readonly'
}
const basic = (u: { apiKey: string; secretKey: string }) =>
  `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`

const inventory = inventoryOf(
  {
    clusters: [
      {
        id: 'c1',
        name: 'cluster1',
        hosts: [
          { id: 'h1', name: 'kvm1', address: '10.0.0.1' },
          { id: 'h2', name: 'kvm2', address: '10.0.0.2' }
        ]
      }
    ]
  },
  'api-test'
)

const prefix = uniquePrefix('api')
let logLines: string[] = []
let fastify: FastifyInstance

beforeAll(async () => {
  const config = loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix })
  ;({ fastify, logLines } = await loggedApi(config, inventory, [ADMIN, READER]))
})
afterAll(async () => {
  await fastify?.close()
  await deletePrefix(prefix)
})

async function runCount(): Promise<number> {
  const res = await fastify.inject({
    method: 'GET',
    url: '/api/v1/rolling-maintenance?limit=500',
    headers: { authorization: basic(READER) }
  })
  return (res.json() as { runs: unknown[] }).runs.length
}

function post(
  body: unknown,
  user: { apiKey: string; secretKey: string } | null = ADMIN,
  headers: Record<string, string> = {}
) {
  return fastify.inject({
    method: 'POST',
    url: '/api/v1/rolling-maintenance',
    headers: { 'content-type': 'application/json', ...(user ? { authorization: basic(user) } : {}), ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body)
  })
}

describe('REST (docs/api.md)', () => {
  it('POST starts a run: 202 with id, status queued and a Location header; GET returns it; the list shows it first', async () => {
    const res = await post({ clusterids: 'c1', payload: 'x' })
    expect(res.statusCode).toBe(202)
    const run = res.json() as { id: string; status: string; request: { clusterids: string[] } }
    expect(run.status).toBe('queued')
    expect(run.request.clusterids).toEqual(['c1'])
    expect(res.headers.location).toBe(`/api/v1/rolling-maintenance/${run.id}`)
    const got = await fastify.inject({
      method: 'GET',
      url: `/api/v1/rolling-maintenance/${run.id}`,
      headers: { authorization: basic(READER) }
    })
    expect(got.statusCode).toBe(200)
    expect(got.json()).toMatchObject({ id: run.id, status: 'queued', progress: { hostsTotal: 2 } })
    const list = await fastify.inject({
      method: 'GET',
      url: '/api/v1/rolling-maintenance',
      headers: { authorization: basic(READER) }
    })
    expect((list.json() as { runs: Array<{ id: string }> }).runs[0]!.id).toBe(run.id)
  })

  it('an overlapping run is 409 naming the cluster and the other run', async () => {
    const res = await post({ hostids: ['h2'] })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'RUN_CONFLICT', message: expect.stringContaining('cluster1') })
  })

  it('GET of an unknown run is 404', async () => {
    const res = await fastify.inject({
      method: 'GET',
      url: '/api/v1/rolling-maintenance/nope',
      headers: { authorization: basic(READER) }
    })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'RUN_NOT_FOUND' })
  })

  it('issue 11 item 8: a malformed run id is 404 in every route, never a neighbouring key or a 500', async () => {
    const auth = { authorization: basic(ADMIN) }
    const listed = await fastify.inject({ method: 'GET', url: '/api/v1/rolling-maintenance', headers: auth })
    const id = (listed.json() as { runs: Array<{ id: string }> }).runs[0]!.id
    const ids = [
      `${id}:events`,
      `${id}:hosts`,
      `${id}:progress`,
      `${id}:`,
      `${id.toUpperCase()}`,
      `${id}x`,
      '{x}',
      'a'.repeat(90)
    ]
    for (const bad of ids) {
      const enc = encodeURIComponent(bad)
      for (const [method, url] of [
        ['GET', `/api/v1/rolling-maintenance/${enc}`],
        ['POST', `/api/v1/rolling-maintenance/${enc}/cancel`],
        ['GET', `/api/v1/rolling-maintenance/${enc}/events`]
      ] as const) {
        const res = await fastify.inject({ method, url, headers: auth })
        expect(res.statusCode, `${method} ${url}`).toBe(404)
        expect(res.json(), `${method} ${url}`).toMatchObject({ error: 'RUN_NOT_FOUND' })
      }
    }
    // the run itself is untouched
    expect(
      (await fastify.inject({ method: 'GET', url: `/api/v1/rolling-maintenance/${id}`, headers: auth })).statusCode
    ).toBe(200)
  })

  it('hosts are listed with their resource state', async () => {
    const res = await fastify.inject({
      method: 'GET',
      url: '/api/v1/hosts/h1',
      headers: { authorization: basic(READER) }
    })
    expect(res.json()).toMatchObject({ id: 'h1', name: 'kvm1', clusterId: 'c1', resourceState: 'Enabled' })
  })
})

describe('bad input: 4xx naming the problem, never a 5xx, no run created', () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['missing scope', {}, 400, /zoneids, podids, clusterids, hostids/],
    ['empty scope strings', { zoneids: ' , ' }, 400, /no scope/],
    ['unknown ids', { zoneids: ['z9'], hostids: 'h1,hx' }, 400, /unknown zoneids: z9; unknown hostids: hx/],
    ['forced of the wrong type', { hostids: ['h1'], forced: 'yes' }, 400, /forced/],
    ['ids of the wrong type', { hostids: 42 }, 400, /hostids/],
    ['negative timeout', { hostids: ['h1'], timeout: -1 }, 400, /timeout/],
    ['zero timeout', { hostids: ['h1'], timeout: 0 }, 400, /timeout/],
    ['absurd timeout', { hostids: ['h1'], timeout: 10 ** 9 }, 400, /timeout/],
    ['fractional timeout', { hostids: ['h1'], timeout: 1.5 }, 400, /timeout/],
    ['oversized payload', { hostids: ['h1'], payload: 'x'.repeat(70_000) }, 400, /payload/],
    ['NUL in payload', { hostids: ['h1'], payload: 'a\u0000b' }, 400, /NUL/],
    ['unknown field', { hostids: ['h1'], hostid: 'h1' }, 400, /additional properties|hostid/],
    ['malformed JSON', '{"hostids": [', 400, /JSON/i],
    ['body over 256 KiB', { hostids: ['h1'], payload: 'x'.repeat(300_000) }, 413, /too large/]
  ]
  for (const [name, body, status, message] of cases) {
    it(name, async () => {
      const before = await runCount()
      const res = await post(body)
      expect(res.statusCode).toBe(status)
      expect((res.json() as { message: string }).message).toMatch(message)
      expect(await runCount()).toBe(before)
    })
  }

  it('wrong content type is 415', async () => {
    const res = await post('hostids=h1', ADMIN, { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.statusCode).toBe(415)
  })

  it('a bad limit is 400', async () => {
    const res = await fastify.inject({
      method: 'GET',
      url: '/api/v1/rolling-maintenance?limit=-3',
      headers: { authorization: basic(READER) }
    })
    expect(res.statusCode).toBe(400)
  })
})

describe('auth (docs/api.md#authentication)', () => {
  it('no credentials: 401 with a Basic challenge, even with a bad body', async () => {
    const before = await runCount()
    const res = await post('{broken', null)
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm="rollmaint"/)
    expect(await runCount()).toBe(before)
  })

  it('wrong secret: 401', async () => {
    const res = await post({ hostids: ['h1'] }, { apiKey: ADMIN.apiKey, secretKey: 'wrong-secret-value' })
    expect(res.statusCode).toBe(401)
  })

  it('a readonly key may read but not start a run (403, no run)', async () => {
    const before = await runCount()
    const res = await post({ hostids: ['h1'] }, READER)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ error: 'FORBIDDEN', message: expect.stringContaining('readonly') })
    expect(await runCount()).toBe(before)
    const cancel = await fastify.inject({
      method: 'POST',
      url: '/api/v1/rolling-maintenance/x/cancel',
      headers: { authorization: basic(READER) }
    })
    expect(cancel.statusCode).toBe(403)
  })

  it('/healthz is the only open route', async () => {
    expect((await fastify.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/hosts' })).statusCode).toBe(401)
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/rolling-maintenance' })).statusCode).toBe(401)
  })

  it('no secret ever appears in a log line', async () => {
    await post({ hostids: ['h1'] }, { apiKey: ADMIN.apiKey, secretKey: 'Sup3r-S3cret-Wrong-Value' })
    await fastify.inject({ method: 'GET', url: '/api/v1/hosts', headers: { authorization: basic(ADMIN) } })
    const all = logLines.join('')
    expect(all.length).toBeGreaterThan(0)
    for (const secret of [ADMIN.secretKey, READER.secretKey, 'Sup3r-S3cret-Wrong-Value', basic(ADMIN).slice(6)])
      expect(all).not.toContain(secret)
  })

  it('first start without a keys file generates one admin key pair, mode 0600, reused on the next start', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-keys-'))
    const first = loadApiKeys(undefined, path.join(dir, 'data'))
    expect(first.generated?.role).toBe('admin')
    expect(statSync(first.file).mode & 0o777).toBe(0o600)
    expect(readFileSync(first.file, 'utf8')).toContain(first.generated!.secretKey)
    const second = loadApiKeys(undefined, path.join(dir, 'data'))
    expect(second.generated).toBeUndefined()
    expect(second.users[0]!.apiKey).toBe(first.generated!.apiKey)
  })

  it('a malformed keys file is refused with the entry and the problem', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-keys-'))
    const file = path.join(dir, 'keys.yaml')
    writeFileSync(file, '- {name: a, apiKey: abcdefghijklmnopq, secretKey: abcdefghijklmnopqrs, role: root}\n')
    expect(() => loadApiKeys(file, dir)).toThrow(/keys\.yaml[\s\S]*entry \[0\]\.role/)
  })
})
