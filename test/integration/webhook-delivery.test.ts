import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signWebhook, verifyWebhook } from '../../shared/webhooks/sign-webhook.js'
import { createWebhookPublisher, type WebhookBody } from '../../shared/webhooks/webhook-publisher.js'
import { createWebhookWorker } from '../../workers/webhooks/create-webhook-worker.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js'

const SECRET = 'webhook-test-secret-0123456789'
const logger = pino({ level: 'silent' })
const prefix = uniquePrefix('webhooks')
let redis: Redis
let receiver: WebhookReceiver

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null })
  receiver = await startWebhookReceiver()
})
afterAll(async () => {
  redis?.disconnect()
  await receiver?.close()
  await deletePrefix(prefix)
})

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('webhook delivery through the BullMQ queue to a real HTTP receiver', () => {
  it('the first two deliveries fail (500): retried with backoff, the same signed bytes arrive until one is accepted', async () => {
    const hooks = [{ url: receiver.url, events: ['run.finished'], secret: SECRET }]
    const publisher = createWebhookPublisher(redis, `{${prefix}}`, hooks, logger, { attempts: 5, backoffMs: 300 })
    const worker = createWebhookWorker({ connection: redis, prefix: `{${prefix}}`, webhooks: hooks, logger })!
    receiver.received.length = 0
    receiver.set({ failFirst: 2 })
    try {
      await publisher.publish({ runId: 'run-1', id: '1-0', type: 'run.finished', data: { status: 'succeeded' } })
      // Not subscribed: nothing is queued for it.
      await publisher.publish({ runId: 'run-1', id: '2-0', type: 'stage.started', data: {} })
      await waitFor(() => receiver.received.some((r) => r.status === 204), 15_000, 'an accepted delivery')
      await sleep(500)
      const got = receiver.received
      expect(got.map((r) => r.status)).toEqual([500, 500, 204])
      // Exponential backoff from 300 ms: about 300 ms, then about 600 ms between attempts.
      expect(got[1]!.t - got[0]!.t).toBeGreaterThanOrEqual(250)
      expect(got[2]!.t - got[1]!.t).toBeGreaterThanOrEqual(550)
      // Every attempt carries the same bytes, signed sha256=<hex HMAC>, and the same delivery id.
      expect(new Set(got.map((r) => r.body)).size).toBe(1)
      for (const r of got) {
        expect(r.headers['content-type']).toBe('application/json')
        expect(r.headers['x-rollmaint-signature']).toBe(signWebhook(SECRET, r.body))
        expect(verifyWebhook(SECRET, r.body, r.headers['x-rollmaint-signature'] as string)).toBe(true)
        expect(r.headers['x-rollmaint-event']).toBe('run.finished')
        expect(r.headers['x-rollmaint-delivery']).toBe('run-1.1-0.0')
      }
      const body = JSON.parse(got[0]!.body) as WebhookBody
      expect(body).toMatchObject({ id: '1-0', runId: 'run-1', type: 'run.finished', data: { status: 'succeeded' } })
      // Publishing the same event again (a worker retrying its step) does not deliver it twice.
      await publisher.publish({ runId: 'run-1', id: '1-0', type: 'run.finished', data: { status: 'succeeded' } })
      await sleep(500)
      expect(receiver.received).toHaveLength(3)
    } finally {
      await worker.close()
      await publisher.close()
    }
  })

  it("a dead endpoint: publishing costs the same as with a live one (the HTTP call is not on the caller's path)", async () => {
    const dead = [{ url: 'http://127.0.0.1:9/nothing-listens', events: ['*'], secret: SECRET }]
    const hanging = [{ url: receiver.url, events: ['*'], secret: SECRET }]
    receiver.set({ failFirst: 1000, hangMs: 5000 })
    const publisher = createWebhookPublisher(redis, `{${prefix}-dead}`, [...dead, ...hanging], logger, {
      attempts: 3,
      backoffMs: 100
    })
    const worker = createWebhookWorker({
      connection: redis,
      prefix: `{${prefix}-dead}`,
      webhooks: [...dead, ...hanging],
      logger
    })!
    try {
      const started = Date.now()
      for (let i = 0; i < 50; i++)
        await publisher.publish({ runId: 'run-2', id: `${i}-0`, type: 'stage.started', data: { i } })
      const elapsed = Date.now() - started
      // 50 events × 2 subscribers queued in well under a second although no delivery can succeed.
      expect(elapsed).toBeLessThan(2000)
    } finally {
      await worker.close(true)
      await publisher.close()
      await deletePrefix(`${prefix}-dead`)
    }
  })
})
