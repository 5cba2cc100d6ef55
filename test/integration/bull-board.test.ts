import { existsSync } from 'node:fs'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { createRunService } from '../../service/create-run-service.js'
import { loadConfig } from '../../shared/config.js'
import { HOSTS_QUEUE, RUNS_QUEUE, workerHostsQueueName } from '../../shared/queue-names.js'
import { beatWorkerQueue } from '../../store/worker/beat-worker-queue.js'
import { createRedisKeys } from '../../store/keys.js'
import { createLogger } from '../../shared/logger.js'
import type { RunService } from '../../service/run-service.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'

const CHROMIUM = '/usr/bin/chromium'
const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'board-admin-0123456789',
  secretKey: 'board-admin-secret-0123456789',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'ro',
  apiKey: 'board-reader-0123456789',
  secretKey: 'board-reader-secret-0123456789',
  role: 'readonly'
}
const basic = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})
const inventory = inventoryOf({ clusters: [{ id: 'c', hosts: ['h'] }] }, 'board-test')
const prefix = uniquePrefix('board')
let fastify: FastifyInstance
let runService: RunService
let base: string
let redis: Redis

beforeAll(async () => {
  const config = loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix })
  runService = await createRunService({ config, inventory, logger: createLogger('silent') })
  await runService.createRun({ zoneids: [], podids: [], clusterids: ['c'], hostids: [], forced: false })
  fastify = Fastify(serverOptions)
  await fastify.register(app, { config, inventory, runService, apiKeys: createApiKeyStore([ADMIN, READER]) })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null })
})
afterAll(async () => {
  await fastify?.close()
  await runService?.close()
  redis?.disconnect()
  await deletePrefix(prefix)
})

describe('Bull Board at /admin/queues', () => {
  it('admin keys only: none → 401 with a Basic challenge, readonly → 403, admin → the page', async () => {
    const none = await fastify.inject({ method: 'GET', url: '/admin/queues' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toMatch(/^Basic/)
    expect((await fastify.inject({ method: 'GET', url: '/admin/queues', headers: basic(READER) })).statusCode).toBe(403)
    expect(
      (await fastify.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: basic(READER) })).statusCode
    ).toBe(403)
    const page = await fastify.inject({ method: 'GET', url: '/admin/queues', headers: basic(ADMIN) })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
  })

  it("lists the workers' own queues from their heartbeats, read-only like the others", async () => {
    const keys = createRedisKeys(prefix)
    const own = workerHostsQueueName('b0a7d0')
    await beatWorkerQueue(redis, keys, own)
    const res = await fastify.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: basic(ADMIN) })
    expect(res.statusCode).toBe(200)
    const names = (res.json() as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues.map((q) => q.name)
    expect(names).toEqual(expect.arrayContaining([RUNS_QUEUE, HOSTS_QUEUE, own]))
  })

  it('read-only for admins too: pausing, cleaning, retrying, adding, emptying or removing jobs is refused and changes nothing', async () => {
    const runs = new Queue(RUNS_QUEUE, { connection: redis, prefix: createRedisKeys(prefix).bullPrefix })
    const jobsBefore = await runs.getJobCounts()
    const [job] = await runs.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children'])
    expect(job?.id).toBeDefined()
    const attempts: Array<[string, string, unknown?]> = [
      ['PUT', '/api/queues/pause'],
      ['PUT', `/api/queues/${RUNS_QUEUE}/pause`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/clean/waiting`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/clean/completed`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/retry/failed`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/promote`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/empty`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/obliterate`],
      ['POST', `/api/queues/${RUNS_QUEUE}/add`, { name: 'run', data: { runId: 'x' } }],
      ['PUT', `/api/queues/${RUNS_QUEUE}/${job!.id}/retry`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/${job!.id}/clean`],
      ['PUT', `/api/queues/${RUNS_QUEUE}/${job!.id}/promote`],
      ['PATCH', `/api/queues/${RUNS_QUEUE}/${job!.id}/update-data`, { data: { runId: 'x' } }]
    ]
    try {
      for (const [method, route, body] of attempts) {
        const res = await fastify.inject({
          method: method as 'PUT',
          url: `/admin/queues${route}`,
          headers: { ...basic(ADMIN), ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {})
        })
        expect(res.statusCode, `${method} ${route}`).toBe(405)
      }
      expect(await runs.isPaused()).toBe(false)
      expect(await runs.getJobCounts()).toEqual(jobsBefore)
      expect((await runs.getJob(job!.id!))?.data).toEqual(job!.data)
    } finally {
      await runs.close()
    }
  })

  it('a real headless browser with admin credentials sees both queues; without them it gets 401', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`the browser test needs Debian's chromium at ${CHROMIUM}: apt-get install -y chromium`)
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    })
    try {
      // Headless Chromium turns an unanswered Basic challenge into a navigation error; the browser
      // context's own request API shows the 401 itself.
      const anonymous = await browser.newContext()
      expect((await anonymous.request.get(`${base}/admin/queues`)).status()).toBe(401)
      await expect((await anonymous.newPage()).goto(`${base}/admin/queues`)).rejects.toThrow(/AUTH/)
      const context = await browser.newContext({
        httpCredentials: { username: ADMIN.apiKey, password: ADMIN.secretKey }
      })
      const page = await context.newPage()
      const res = await page.goto(`${base}/admin/queues`)
      expect(res?.status()).toBe(200)
      await page.getByText('rollmaint-runs').first().waitFor({ timeout: 20_000 })
      await page.getByText('rollmaint-hosts').first().waitFor({ timeout: 20_000 })
    } finally {
      await browser.close()
    }
  }, 60_000)
})
