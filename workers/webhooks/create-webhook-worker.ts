import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq'
import type { Logger } from 'pino'
import { WEBHOOKS_QUEUE } from '../../shared/queue-names.js'
import type { WebhookConfig } from '../../shared/webhooks/parse-webhooks.js'
import type { WebhookJobData } from '../../shared/webhooks/webhook-publisher.js'
import { deliverWebhook } from './deliver-webhook.js'
import { guardConnectionErrors } from '../../shared/open-queue.js'

/**
 * Deliveries wait on the network, not the CPU: many at once, so a subscriber that hangs until the
 * timeout ties up a few slots while the others' events still go out.
 */
const DELIVERY_CONCURRENCY = 32

/**
 * The webhook consumer of a worker process: its own BullMQ worker with its own concurrency, so a
 * slow or dead endpoint ties up only delivery slots, never a host job. Undefined without webhooks.
 */
export function createWebhookWorker(opts: {
  connection: ConnectionOptions
  prefix: string
  webhooks: readonly WebhookConfig[]
  logger: Logger
  concurrency?: number
}): Worker<WebhookJobData> | undefined {
  const { webhooks, logger } = opts
  if (webhooks.length === 0) return undefined
  const worker = new Worker<WebhookJobData>(
    WEBHOOKS_QUEUE,
    async (job) => {
      const hook = webhooks[job.data.hook]
      if (!hook || hook.url !== job.data.url) {
        throw new UnrecoverableError(
          `webhook ${job.data.hook} (${job.data.url}) is no longer configured on this worker`
        )
      }
      return deliverWebhook(hook.url, hook.secret, job.data.body, { type: job.data.type, deliveryId: job.id! })
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency ?? DELIVERY_CONCURRENCY }
  )
  worker.on('failed', (job, err) =>
    logger.warn(
      { jobId: job?.id, url: job?.data.url, type: job?.data.type, attemptsMade: job?.attemptsMade, err: err.message },
      'webhook delivery failed'
    )
  )
  guardConnectionErrors(worker)
  worker.on('error', (err) => logger.error({ err }, 'webhook worker error'))
  return worker
}
