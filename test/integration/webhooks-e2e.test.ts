import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhook } from '../../shared/webhooks/sign-webhook.js'
import type { WebhookBody } from '../../shared/webhooks/webhook-publisher.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js'

const SECRET = 'e2e-webhook-secret-0123456789'
const CLUSTERS = [{ name: 'w1', hosts: ['w1a', 'w1b'] }]

let receiver: WebhookReceiver
let hanging: WebhookReceiver
let e2e: E2E
beforeAll(async () => {
  receiver = await startWebhookReceiver()
  hanging = await startWebhookReceiver()
  // Two subscribers: one that fails its first deliveries, one that never answers in time.
  const hooks = [
    {
      url: receiver.url,
      events: ['run.started', 'host.updated', 'run.paused', 'run.resumed', 'run.finished'],
      secret: SECRET
    },
    { url: hanging.url, events: ['*'], secret: SECRET }
  ]
  e2e = await startE2E({ label: 'webhooks', clusters: CLUSTERS, env: { ROLLMAINT_WEBHOOKS: JSON.stringify(hooks) } })
})
afterAll(async () => {
  await e2e?.close()
  await receiver?.close()
  await hanging?.close()
})

describe('webhooks on a real run (docs/api.md#operator-controls)', () => {
  it(
    'selected events are POSTed signed; the receiver fails the first two deliveries and gets every event anyway; a hanging endpoint does not slow the run',
    { timeout: 180_000 },
    async () => {
      setHooks(e2e.fleet, CLUSTERS[0]!.hosts, { Maintenance: {} })
      // Baseline first, with both receivers answering at once.
      receiver.set({})
      hanging.set({})
      const t0 = Date.now()
      await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('w1')] })).id)
      const baselineMs = Date.now() - t0
      await sleep(300)

      receiver.received.length = 0
      receiver.set({ failFirst: 2 })
      // Every delivery to this one hangs for 15 s (past the 10 s delivery timeout) and then fails.
      hanging.set({ failFirst: 1000, hangMs: 15_000 })
      const t1 = Date.now()
      const run = await e2e.start({ clusterids: [clusterId('w1')] })
      const done = await e2e.waitForRun(run.id)
      const runMs = Date.now() - t1
      expect(done.status).toBe('succeeded')
      // Waiting on even one delivery would add its 10 s timeout (the hang is 15 s); the run does not.
      expect(runMs).toBeLessThan(baselineMs + 8000)

      const wanted = ['run.started', 'host.updated', 'host.updated', 'run.finished']
      const accepted = (): WebhookBody[] =>
        receiver.received
          .filter((r) => r.status === 204)
          .map((r) => JSON.parse(r.body) as WebhookBody)
          .filter((b) => b.runId === run.id)
      const deadline = Date.now() + 30_000
      while (accepted().length < wanted.length && Date.now() < deadline) await sleep(100)
      expect(
        accepted()
          .map((b) => b.type)
          .sort()
      ).toEqual([...wanted].sort())
      expect(receiver.received.filter((r) => r.status === 500)).toHaveLength(2)
      for (const r of receiver.received)
        expect(verifyWebhook(SECRET, r.body, r.headers['x-rollmaint-signature'] as string)).toBe(true)
      const finished = accepted().find((b) => b.type === 'run.finished')!
      expect(finished.data).toMatchObject({ status: 'succeeded', result: { rollingmaintenance: { success: true } } })
      // Each event exactly once, even though some were delivered on a later attempt.
      expect(new Set(accepted().map((b) => b.id)).size).toBe(accepted().length)
    }
  )
})
