import type { Queue } from 'bullmq'
import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import type { Config } from '../../shared/config.js'
import { QUEUE_NAMES } from '../../shared/queue-names.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { openQueue } from '../../shared/open-queue.js'

declare module 'fastify' {
  interface FastifyInstance {
    queues: Queue[]
    /** The API's Redis connection for reads outside the run service (metrics). */
    redis: RedisClient
  }
}

/** Read access to rollmaint's BullMQ queues and Redis (Bull Board, metrics), on one connection closed with the server. */
export default fp(
  async function queuesPlugin(fastify, opts: { config: Config }) {
    const redis = createRedisConnection(opts.config.redis, 'api', fastify.log as Logger)
    const prefix = createRedisKeys(opts.config.keyPrefix).bullPrefix
    const queues = QUEUE_NAMES.map((name) => openQueue(name, { connection: redis, prefix }))
    fastify.decorate('queues', queues)
    // A getter: fastify's decorate() cannot infer a union of two client classes as a plain value.
    fastify.decorate('redis', { getter: () => redis })
    fastify.addHook('onClose', async () => {
      await Promise.all(queues.map((q) => q.close()))
      redis.disconnect()
    })
  },
  { name: 'queues' }
)
