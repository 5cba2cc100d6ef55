import { createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { createLogger } from '../../shared/logger.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { e2eApi } from '../support/e2e-api.js'

// A CloudStack client as documented: Java-style URL encoding, lower-cased, sorted, HMAC-SHA1, base64.
function encodeLikeJava(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2A/g, '*')
}
function sign(all: Record<string, string>, secretKey: string): string {
  const pairs = Object.entries(all)
    .map(([k, v]) => `${k.toLowerCase()}=${encodeLikeJava(v).toLowerCase()}`)
    .sort()
  return createHmac('sha1', secretKey).update(pairs.join('&')).digest('base64')
}
/** As CloudMonkey and the SDKs sign by default: signatureversion=3 with an expires 5 minutes ahead. */
const inFiveMinutes = (): string => new Date(Date.now() + 5 * 60_000).toISOString().replace(/\.\d+Z$/, '+0000')
function signedQuery(
  params: Record<string, string>,
  user: { apiKey: string; secretKey: string },
  opts: { v3?: boolean } = {}
): string {
  const all = {
    ...(opts.v3 === false ? {} : { signatureversion: '3', expires: inFiveMinutes() }),
    ...params,
    apiKey: user.apiKey,
    response: 'json'
  }
  return new URLSearchParams({ ...all, signature: sign(all, user.secretKey) }).toString()
}

const ADMIN: ApiUser = {
  name: 'cs-admin',
  apiKey: 'cs-admin-key-0123456789',
  secretKey: 'cs-admin-secret-0123456789',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'cs-reader',
  apiKey: 'cs-reader-key-0123456789',
  secretKey: 'cs-reader-secret-0123456789',
  role: 'readonly'
}

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({ label: 'cs', clusters: [{ name: 'csc', hosts: ['cs1', 'cs2'] }] })
  setHooks(e2e.fleet, ['cs1', 'cs2'], { PreFlight: {}, Maintenance: { stdout: 'patched' } })
  fastify = await e2eApi(e2e, [ADMIN, READER])
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

const get = (query: string) => fastify.inject({ method: 'GET', url: `/client/api?${query}` })
const post = (query: string) =>
  fastify.inject({
    method: 'POST',
    url: '/client/api',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: query
  })

describe('CloudStack-compatible endpoint (docs/api.md)', () => {
  it('a signing client starts a run and polls queryAsyncJobResult to the end (GET and POST)', async () => {
    const start = await post(
      signedQuery(
        { command: 'startRollingMaintenance', clusterids: clusterId('csc'), payload: 'kernel=6.1 * +x' },
        ADMIN
      )
    )
    expect(start.statusCode).toBe(200)
    const jobid = (start.json() as { startrollingmaintenanceresponse: { jobid: string } })
      .startrollingmaintenanceresponse.jobid
    expect(jobid).toMatch(/^[0-9a-f-]{36}$/)
    let job:
      | {
          jobstatus: number
          jobresulttype: string
          jobresult?: { rollingmaintenance: { success: boolean; hostsupdated: unknown[] } }
        }
      | undefined
    for (let i = 0; i < 600; i++) {
      const res = await get(signedQuery({ command: 'queryAsyncJobResult', jobid }, READER))
      expect(res.statusCode).toBe(200)
      job = (res.json() as { queryasyncjobresultresponse: typeof job }).queryasyncjobresultresponse
      if (job!.jobstatus !== 0) break
      expect(job!.jobresult).toBeUndefined()
      await sleep(50)
    }
    expect(job).toMatchObject({ jobstatus: 1, jobresultcode: 0, jobresulttype: 'object' })
    expect(job!.jobresult!.rollingmaintenance.success).toBe(true)
    expect(job!.jobresult!.rollingmaintenance.hostsupdated).toHaveLength(2)

    const list = await get(signedQuery({ command: 'listAsyncJobs' }, READER))
    expect(
      (
        list.json() as { listasyncjobsresponse: { asyncjobs: Array<{ jobid: string }> } }
      ).listasyncjobsresponse.asyncjobs.map((j) => j.jobid)
    ).toContain(jobid)
  })

  it('a wrong signature is 401 in CloudStack error shape', async () => {
    const q = signedQuery({ command: 'listApis' }, { apiKey: ADMIN.apiKey, secretKey: 'not-the-secret' })
    const res = await get(q)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      listapisresponse: {
        uuidList: [],
        errorcode: 401,
        cserrorcode: 9999,
        errortext: 'unable to verify user credentials and/or request signature'
      }
    })
    expect((await get('command=listApis&response=json')).statusCode).toBe(401)
  })

  it('an expired signatureversion=3 request is 401; a valid one passes', async () => {
    const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '+0000')
    const future = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, '+0000')
    expect(
      (await get(signedQuery({ command: 'listApis', signatureversion: '3', expires: past }, READER))).statusCode
    ).toBe(401)
    expect(
      (await get(signedQuery({ command: 'listApis', signatureversion: '3', expires: future }, READER))).statusCode
    ).toBe(200)
  })

  it('listApis tells clients that startRollingMaintenance is async', async () => {
    const res = await get(signedQuery({ command: 'listApis', name: 'startRollingMaintenance' }, READER))
    const api = (res.json() as { listapisresponse: { api: Array<{ name: string; isasync: boolean }> } })
      .listapisresponse.api
    expect(api).toEqual([expect.objectContaining({ name: 'startRollingMaintenance', isasync: true })])
  })

  it('bad input answers CloudStack errors and creates no run', async () => {
    const before = (await e2e.runService.listRuns({ limit: 500 })).length
    const noScope = await get(signedQuery({ command: 'startRollingMaintenance' }, ADMIN))
    expect(noScope.statusCode).toBe(431)
    expect(noScope.json()).toMatchObject({
      startrollingmaintenanceresponse: { errorcode: 431, errortext: expect.stringContaining('no scope') }
    })
    const badTimeout = await get(
      signedQuery({ command: 'startRollingMaintenance', hostids: 'x', timeout: '-5' }, ADMIN)
    )
    expect(badTimeout.statusCode).toBe(431)
    const readonly = await get(
      signedQuery({ command: 'startRollingMaintenance', clusterids: clusterId('csc') }, READER)
    )
    expect(readonly.statusCode).toBe(432)
    const unknown = await get(signedQuery({ command: 'deployVirtualMachine' }, ADMIN))
    expect(unknown.statusCode).toBe(432)
    const noJob = await get(signedQuery({ command: 'queryAsyncJobResult', jobid: 'nope' }, READER))
    expect(noJob.statusCode).toBe(431)
    expect((await e2e.runService.listRuns({ limit: 500 })).length).toBe(before)
  })
})

describe('issue 11 item 1: parameter names, case changes and replays', () => {
  it('a request whose expires was folded into a neighbouring parameter name is 401 (it used to run forever)', async () => {
    const all = {
      command: 'listApis',
      apiKey: READER.apiKey,
      name: 'startRollingMaintenance',
      response: 'json',
      signatureversion: '3',
      expires: '2020-01-01T00:00:00+0000'
    }
    const expired = new URLSearchParams({ ...all, signature: sign(all, READER.secretKey) }).toString()
    expect((await get(expired)).statusCode).toBe(401)
    const folded = new URLSearchParams({
      command: 'listApis',
      apiKey: READER.apiKey,
      'expires=2020-01-01t00%3a00%3a00%2b0000&name': 'startRollingMaintenance',
      'response=json&signatureversion': '3',
      signature: sign(all, READER.secretKey)
    }).toString()
    const res = await get(folded)
    expect(res.statusCode).toBe(401)
    expect(JSON.stringify(res.json())).toContain('may contain only letters, digits')
  })

  it('a mutating command must be signed with signatureversion=3 and expires; a signed one runs once, a replay with its case changed is refused', async () => {
    const unsignedV3 = await post(
      signedQuery({ command: 'startRollingMaintenance', clusterids: clusterId('csc') }, ADMIN, { v3: false })
    )
    expect(unsignedV3.statusCode).toBe(401)
    expect(JSON.stringify(unsignedV3.json())).toContain('signatureversion=3')
    const before = (await e2e.runService.listRuns({ limit: 500 })).length

    const query = signedQuery(
      { command: 'startRollingMaintenance', clusterids: clusterId('csc'), payload: 'kernel=6.1', timeout: '600' },
      ADMIN
    )
    const first = await post(query)
    expect(first.statusCode).toBe(200)
    const jobid = (first.json() as { startrollingmaintenanceresponse: { jobid: string } })
      .startrollingmaintenanceresponse.jobid
    // The same request again, and with its payload's case changed (the signature still verifies: CloudStack lower-cases before the HMAC).
    const caseChanged = query.replace('payload=kernel%3D6.1', 'payload=KERNEL%3D6.1')
    expect(caseChanged).not.toBe(query)
    for (const replay of [query, caseChanged]) {
      const res = await post(replay)
      expect(res.statusCode).toBe(401)
      expect(JSON.stringify(res.json())).toContain('already used')
    }
    expect((await e2e.runService.listRuns({ limit: 500 })).length).toBe(before + 1)
    await e2e.waitForRun(jobid, 60_000)
  })

  it('an expires more than 15 minutes ahead is refused for mutating commands', async () => {
    const far = new Date(Date.now() + 16 * 60_000).toISOString().replace(/\.\d+Z$/, '+0000')
    const res = await post(
      signedQuery(
        { command: 'startRollingMaintenance', clusterids: clusterId('csc'), signatureversion: '3', expires: far },
        ADMIN
      )
    )
    expect(res.statusCode).toBe(401)
    expect(JSON.stringify(res.json())).toContain('15 minutes')
  })
})

describe('issue 11 item 3: request logs', () => {
  it('log the path and a redacted query: never apikey or signature', async () => {
    const lines: string[] = []
    const logged = Fastify({
      ...serverOptions,
      loggerInstance: createLogger('info', { write: (l: string) => void lines.push(l) }) as FastifyBaseLogger
    })
    await logged.register(app, {
      config: e2e.config,
      inventory: e2e.inventory,
      runService: e2e.runService,
      apiKeys: createApiKeyStore([ADMIN, READER])
    })
    try {
      const query = signedQuery({ command: 'listApis', name: 'startRollingMaintenance' }, READER)
      const signature = new URLSearchParams(query).get('signature')!
      expect((await logged.inject({ method: 'GET', url: `/client/api?${query}` })).statusCode).toBe(200)
      const bad = signedQuery({ command: 'listApis' }, { apiKey: ADMIN.apiKey, secretKey: 'wrong-secret-0123456789' })
      expect((await logged.inject({ method: 'GET', url: `/client/api?${bad}` })).statusCode).toBe(401)
      const requestLines = lines.filter((l) => l.includes('/client/api'))
      expect(requestLines.length).toBeGreaterThanOrEqual(2)
      expect(
        requestLines.some(
          (l) => l.includes('apiKey=[redacted]') && l.includes('signature=[redacted]') && l.includes('command=listApis')
        )
      ).toBe(true)
      for (const secret of [READER.apiKey, ADMIN.apiKey, signature, encodeURIComponent(signature), READER.secretKey]) {
        expect(lines.filter((l) => l.includes(secret))).toEqual([])
      }
    } finally {
      await logged.close()
    }
  })
})
