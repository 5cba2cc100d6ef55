import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { createRunService } from '../../service/create-run-service.js'
import { loadConfig } from '../../shared/config.js'
import { createLogger } from '../../shared/logger.js'
import type { RunService } from '../../service/run-service.js'
import { createRedisKeys } from '../../store/keys.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'

// Issue 11 item 4 / docs/api.md#limits: event streams share one Redis reader per process and are capped at 20
// per key and 500 in all (429 beyond).
const USERS: ApiUser[] = Array.from({ length: 26 }, (_, i) => ({
  name: `watcher-${i}`,
  apiKey: `stream-key-${String(i).padStart(2, '0')}-0123456789`,
  secretKey: `stream-secret-${i}-0123456789`,
  role: 'readonly' as const
}))
const auth = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})
const inventory = inventoryOf(
  {
    clusters: [
      { id: 'c', hosts: [{ id: 'h', address: 'x' }] },
      { id: 'd', hosts: [{ id: 'h2', address: 'y' }] }
    ]
  },
  'stream-limits-test'
)
const prefix = uniquePrefix('streams')
const keys = createRedisKeys(prefix)
let fastify: FastifyInstance
let runService: RunService
let base: string
let redis: Redis
let runIds: string[] = []

interface OpenStream {
  status: number
  text: () => string
  close: () => void
  body?: string
}

/** Opens an event stream and keeps reading it in the background until closed. */
async function openStream(user: ApiUser, runId: string): Promise<OpenStream> {
  const controller = new AbortController()
  const res = await fetch(`${base}/api/v1/rolling-maintenance/${runId}/events`, {
    headers: { ...auth(user), accept: 'text/event-stream' },
    signal: controller.signal
  })
  let text = ''
  if (res.status !== 200)
    return { status: res.status, text: () => text, close: () => controller.abort(), body: await res.text() }
  const reader = res.body!.getReader()
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        text += Buffer.from(value).toString()
      }
    } catch {
      // aborted
    }
  })()
  return { status: res.status, text: () => text, close: () => controller.abort() }
}

/** Redis clients this test's API process holds for event streams. */
async function eventClients(): Promise<number> {
  const list = (await redis.client('LIST')) as string
  return list.split('\n').filter((l) => l.includes(`name=rollmaint-events-${prefix} `)).length
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  const config = loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix })
  runService = await createRunService({ config, inventory, logger: createLogger('silent') })
  // Two queued runs (no worker): their streams stay open, waiting for events.
  runIds = [
    (await runService.createRun({ zoneids: [], podids: [], clusterids: ['c'], hostids: [], forced: false })).id,
    (await runService.createRun({ zoneids: [], podids: [], clusterids: ['d'], hostids: [], forced: false })).id
  ]
  fastify = Fastify(serverOptions)
  await fastify.register(app, { config, inventory, runService, apiKeys: createApiKeyStore(USERS) })
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

describe('event streams: one shared Redis reader, 20 per key, 500 in all', () => {
  it('100 streams over two runs hold one Redis connection between them, and every stream gets every event once', async () => {
    const streams: OpenStream[] = []
    try {
      for (let k = 0; k < 5; k++) {
        for (let i = 0; i < 20; i++) streams.push(await openStream(USERS[k]!, runIds[i % 2]!))
      }
      expect(streams.map((s) => s.status)).toEqual(Array(100).fill(200))
      expect(await eventClients()).toBe(1)
      // Events appended now reach every stream of their run, once each, in order.
      for (const [i, runId] of runIds.entries()) {
        await redis.xadd(
          keys.runEvents(runId),
          '*',
          'type',
          'host.updated',
          'data',
          JSON.stringify({ n: `first-${i}` })
        )
        await redis.xadd(
          keys.runEvents(runId),
          '*',
          'type',
          'host.updated',
          'data',
          JSON.stringify({ n: `second-${i}` })
        )
      }
      await until(() => streams.every((s, i) => s.text().includes(`second-${i % 2}`)), 'the events on every stream')
      for (const [i, s] of streams.entries()) {
        const text = s.text()
        expect(text.split(`first-${i % 2}`).length - 1).toBe(1)
        expect(text.indexOf(`first-${i % 2}`)).toBeLessThan(text.indexOf(`second-${i % 2}`))
        expect(text).not.toContain(`first-${1 - (i % 2)}`)
      }
    } finally {
      for (const s of streams) s.close()
    }
  })

  it('the 21st stream of one key is 429 naming the limit; closing one frees its slot', async () => {
    const streams: OpenStream[] = []
    try {
      for (let i = 0; i < 20; i++) streams.push(await openStream(USERS[0]!, runIds[0]!))
      expect(streams.every((s) => s.status === 200)).toBe(true)
      const refused = await openStream(USERS[0]!, runIds[0]!)
      expect(refused.status).toBe(429)
      expect(JSON.parse(refused.body!)).toMatchObject({
        error: 'TOO_MANY_STREAMS',
        message: expect.stringContaining('20 event streams open (the limit per key)')
      })
      // another key is not affected
      const other = await openStream(USERS[1]!, runIds[0]!)
      expect(other.status).toBe(200)
      other.close()
      streams.pop()!.close()
      let again: OpenStream | undefined
      await until(async () => {
        again?.close()
        again = await openStream(USERS[0]!, runIds[0]!)
        return again.status === 200
      }, 'a freed slot')
      streams.push(again!)
    } finally {
      for (const s of streams) s.close()
    }
  })

  it('the 501st stream in all is 429, whatever its key; still one Redis connection', async () => {
    const streams: OpenStream[] = []
    try {
      for (let k = 0; k < 25; k++) {
        const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => openStream(USERS[k]!, runIds[i % 2]!)))
        streams.push(...batch.filter((s) => s.status === 200))
        // The server may not have seen the previous tests' streams of this key close yet: retry those.
        for (let missing = 20 - batch.filter((s) => s.status === 200).length; missing > 0; missing--) {
          let s: OpenStream | undefined
          await until(async () => (s = await openStream(USERS[k]!, runIds[0]!)).status === 200, `slot of key ${k}`)
          streams.push(s!)
        }
      }
      expect(streams.filter((s) => s.status === 200).length).toBe(500)
      const refused = await openStream(USERS[25]!, runIds[1]!)
      expect(refused.status).toBe(429)
      expect(JSON.parse(refused.body!)).toMatchObject({
        error: 'TOO_MANY_STREAMS',
        message: expect.stringContaining('(the limit in all)')
      })
      expect(await eventClients()).toBe(1)
    } finally {
      for (const s of streams) s.close()
    }
  }, 120_000)
})
