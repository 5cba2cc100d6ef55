import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { createRunService } from '../../service/create-run-service.js'
import type { RunService } from '../../service/run-service.js'
import { loadConfig, type Config } from '../../shared/config.js'
import { createLogger } from '../../shared/logger.js'
import { emitRunEvent } from '../../store/events/emit-run-event.js'
import { createRedisKeys } from '../../store/keys.js'
import { inventoryDocOf, inventoryOf } from '../support/inventory-of.js'
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { listeningPort, startNodeProcess, writeInventory } from '../support/worker-process.js'

// An API that is told to stop (SIGTERM: close-with-grace gives fastify.close() 10 s) must not wait for
// the event streams of runs that never finish, whatever their clients do: cancel their body, abort
// the request, or stay connected.
const READER: ApiUser = {
  name: 'watcher',
  apiKey: 'shutdown-key-0123456789',
  secretKey: 'shutdown-secret-0123456789',
  role: 'readonly'
}
const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }
/** Far below close-with-grace's 10 s and the ~4 s fetch keeps a spare connection; far above what closing takes (ms). */
const CLOSE_WITHIN_MS = 2_000
const CLUSTERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
const spec = { clusters: CLUSTERS.map((id) => ({ id, hosts: [{ id: `${id}1`, address: `${id}.invalid` }] })) }
const inventory = inventoryOf(spec, 'stream-shutdown-test')
const prefix = uniquePrefix('sse-shutdown')
const keys = createRedisKeys(prefix)
const redis = testRedis()
let config: Config
let runService: RunService
let nextCluster = 0

beforeAll(async () => {
  config = loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix })
  runService = await createRunService({ config, inventory, logger: createLogger('silent') })
})
afterAll(async () => {
  await runService?.close()
  await deletePrefix(prefix)
  redis.disconnect()
})

/** An API on a real port, sharing the run service (which outlives it, as a restarted API's Redis data does). */
async function startApi(): Promise<{ fastify: FastifyInstance; base: string }> {
  const fastify = Fastify(serverOptions)
  await fastify.register(app, { config, inventory, runService, apiKeys: createApiKeyStore([READER]) })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  return { fastify, base: `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}` }
}

/** A queued run no worker will ever take, with one event on its stream so the client has something to read. */
async function queuedRun(): Promise<string> {
  const cluster = CLUSTERS[nextCluster++]!
  const run = await runService.createRun({ zoneids: [], podids: [], clusterids: [cluster], hostids: [], forced: false })
  await emitRunEvent(redis, keys, run.id, 'stage.started', {
    hostId: `${cluster}1`,
    hostName: `${cluster}1`,
    clusterId: cluster,
    stage: 'PreFlight'
  })
  return run.id
}

/** Opens the run's event stream and reads until its first event has arrived. */
async function openAndReadFirst(
  base: string,
  runId: string,
  signal?: AbortSignal
): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const res = await fetch(`${base}/api/v1/rolling-maintenance/${runId}/events`, {
    headers: { ...auth, accept: 'text/event-stream' },
    signal
  })
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  let text = ''
  while (!text.includes('event: stage.started')) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`stream ended before its first event: ${text}`)
    text += Buffer.from(value).toString()
  }
  return reader
}

/** How long `fastify.close()` takes, or a rejection once it took more than `limitMs`. */
async function timeClose(fastify: FastifyInstance, limitMs: number): Promise<number> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    fastify.close(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fastify.close() still waiting after ${limitMs} ms`)), limitMs)
    })
  ]).finally(() => clearTimeout(timer))
  return Date.now() - started
}

/** Lets the server see the client's disconnect before it is told to close. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200))

describe('closing the API with event streams of a run that never finishes', () => {
  it('a client that cancelled its response body does not keep close() waiting', async () => {
    const { fastify, base } = await startApi()
    try {
      const reader = await openAndReadFirst(base, await queuedRun())
      await reader.cancel()
      await settle()
      expect(await timeClose(fastify, CLOSE_WITHIN_MS)).toBeLessThan(CLOSE_WITHIN_MS)
    } finally {
      await fastify.close()
    }
  })

  it('a client that aborted its request does not keep close() waiting', async () => {
    const { fastify, base } = await startApi()
    try {
      const controller = new AbortController()
      await openAndReadFirst(base, await queuedRun(), controller.signal)
      controller.abort()
      await settle()
      expect(await timeClose(fastify, CLOSE_WITHIN_MS)).toBeLessThan(CLOSE_WITHIN_MS)
    } finally {
      await fastify.close()
    }
  })

  it('a client that stays connected sees its stream end, and close() does not wait for it', async () => {
    const { fastify, base } = await startApi()
    try {
      const reader = await openAndReadFirst(base, await queuedRun())
      const ended = (async () => {
        for (;;) if ((await reader.read()).done) return 'ended'
      })().catch((err: unknown) => `broke: ${String(err)}`)
      expect(await timeClose(fastify, CLOSE_WITHIN_MS)).toBeLessThan(CLOSE_WITHIN_MS)
      // The server ended the response (the client resumes elsewhere with Last-Event-ID).
      expect(await ended).toBe('ended')
    } finally {
      await fastify.close()
    }
  })

  it('a connection that never sent a request (a client holds it ready) does not keep close() waiting', async () => {
    const { fastify } = await startApi()
    const { port } = fastify.server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    try {
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
      const closed = new Promise((resolve) => socket.once('close', resolve))
      // Node's server.close() waited for such a connection until its client dropped it: here, never.
      expect(await timeClose(fastify, CLOSE_WITHIN_MS)).toBeLessThan(CLOSE_WITHIN_MS)
      await closed
    } finally {
      socket.destroy()
      await fastify.close()
    }
  })

  it('a cancelled client and a connected one on the same run: close() waits for neither', async () => {
    const { fastify, base } = await startApi()
    try {
      const runId = await queuedRun()
      const cancelled = await openAndReadFirst(base, runId)
      const connected = await openAndReadFirst(base, runId)
      await cancelled.cancel()
      await settle()
      expect(await timeClose(fastify, CLOSE_WITHIN_MS)).toBeLessThan(CLOSE_WITHIN_MS)
      expect((await connected.read()).done).toBe(true)
    } finally {
      await fastify.close()
    }
  })
})

describe('closing an event stream', () => {
  it('a stream closed while it checks whether its run has ended stops at once, not at its next idle check (10 s)', async () => {
    const stream = (await runService.openEventStream(await queuedRun()))!
    const events = stream[Symbol.asyncIterator]()
    expect((await events.next()).value).toMatchObject({ type: 'stage.started' })
    // Asking for the next event sends the stream to Redis (has the run ended?) with nothing to wake yet:
    // the close arrives during that read.
    const next = events.next()
    stream.close()
    const started = Date.now()
    expect(await next).toEqual({ done: true, value: undefined })
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})

describe('the API process (api/server.ts)', () => {
  it('exits 0 on SIGTERM well within its 10 s grace, with a cancelled stream, a connected one and an unused connection open', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rm-sse-shutdown-'))
    const apiKeys = path.join(dir, 'api-keys.yaml')
    writeFileSync(apiKeys, stringify([READER]), { mode: 0o600 })
    const api = await startNodeProcess(
      'api/server.ts',
      {
        REDIS_URL: testRedisUrl(),
        ROLLMAINT_KEY_PREFIX: prefix,
        ROLLMAINT_INVENTORY: writeInventory(inventoryDocOf(spec)),
        ROLLMAINT_API_KEYS: apiKeys,
        ROLLMAINT_DATA_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1'
      },
      'API listening on'
    )
    let idle: Socket | undefined
    try {
      const port = listeningPort(api)
      const base = `http://127.0.0.1:${port}`
      const runId = await queuedRun()
      const cancelled = await openAndReadFirst(base, runId)
      const connected = await openAndReadFirst(base, runId)
      await cancelled.cancel()
      // A connection held ready with no request: before, the process waited for it until close-with-grace's 10 s.
      idle = connect(port, '127.0.0.1')
      await new Promise((resolve, reject) => idle!.once('connect', resolve).once('error', reject))
      await settle()
      const started = Date.now()
      api.child.kill('SIGTERM')
      const exit = await api.exited
      const took = Date.now() - started
      expect(exit).toEqual({ code: 0, signal: null })
      // It took ~0.1 s here; close-with-grace gives up (exit 1) at 10 s.
      expect(took).toBeLessThan(5_000)
      expect((await connected.read()).done).toBe(true)
    } finally {
      idle?.destroy()
      api.child.kill('SIGKILL')
    }
  })
})
