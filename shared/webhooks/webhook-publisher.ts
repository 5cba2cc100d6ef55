import { Queue, type ConnectionOptions } from 'bullmq'
import type { Logger } from 'pino'
import { WEBHOOKS_QUEUE } from '../queue-names.js'
import { subscribersOf, type WebhookConfig } from './parse-webhooks.js'
import { guardConnectionErrors, healFailedInit } from '../open-queue.js'

/** What a delivery job carries. The secret is not in it: each worker signs with its own configuration. */
export interface WebhookJobData {
  /** Index into the configured list, checked against `url` so a changed list never misdirects a body. */
  hook: number
  url: string
  type: string
  /** The exact JSON body, fixed when the event happened: every retry sends the same bytes. */
  body: string
}

export interface WebhookBody {
  /** Event stream id: unique per run, and what a receiver uses to drop duplicate deliveries. */
  id: string
  runId: string
  type: string
  at: string
  data: unknown
}

export interface WebhookPublisher {
  /** Queues one delivery per subscriber; never throws (a webhook must never fail a run). */
  publish(event: { runId: string; id: string; type: string; data: unknown }): Promise<void>
  close(): Promise<void>
}

export interface DeliveryPolicy {
  attempts: number
  /** Base of the exponential backoff between attempts. */
  backoffMs: number
}

/** 12 attempts with exponential backoff from 1 s: about 68 minutes before a delivery is given up. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 12, backoffMs: 1000 }

/**
 * Enqueues deliveries on `rollmaint-webhooks`; the HTTP calls happen in the workers' webhook
 * consumer, never in the code path that moves a host. With no webhook configured it costs nothing.
 */
export function createWebhookPublisher(
  connection: ConnectionOptions,
  prefix: string,
  webhooks: readonly WebhookConfig[],
  logger: Logger,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY
): WebhookPublisher {
  if (webhooks.length === 0) return { publish: async () => undefined, close: async () => undefined }
  const queue = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: policy.attempts,
      backoff: { type: 'exponential', delay: policy.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 }
    }
  })
  // Unhandled, a connection error re-emitted here would end the process, and a failed first
  // initialisation would fail every later delivery (shared/open-queue.ts).
  healFailedInit(guardConnectionErrors(queue))
  queue.on('error', (err) => logger.warn({ err }, 'webhook queue connection error'))
  return {
    async publish(event) {
      const targets = subscribersOf(webhooks, event.type)
      if (targets.length === 0) return
      const body: WebhookBody = {
        id: event.id,
        runId: event.runId,
        type: event.type,
        at: new Date().toISOString(),
        data: event.data
      }
      const json = JSON.stringify(body)
      try {
        await queue.addBulk(
          targets.map((hook) => ({
            name: event.type,
            data: { hook, url: webhooks[hook]!.url, type: event.type, body: json },
            // One delivery per event and subscriber, even if the event is published twice.
            opts: { jobId: `${event.runId}.${event.id}.${hook}` }
          }))
        )
      } catch (err) {
        logger.warn(
          { err, runId: event.runId, type: event.type },
          'webhook delivery could not be queued; the run goes on'
        )
      }
    },
    close: () => queue.close()
  }
}
