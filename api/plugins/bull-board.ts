import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { Queue } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../shared/config.js'
import { createRedisKeys } from '../../store/keys.js'
import { listSilentWorkerQueues } from '../../store/worker/list-silent-worker-queues.js'
import { openQueue } from '../../shared/open-queue.js'

export const BULL_BOARD_PATH = '/admin/queues'

/**
 * Bull Board at /admin/queues, read-only (it shows; retrying or deleting jobs behind the
 * orchestrator's back could break a run), and for admin keys only: the global auth hook has
 * already checked the Basic credentials; this encapsulated hook asks for the admin role.
 */
export default async function bullBoard(fastify: FastifyInstance, opts: { config: Config }): Promise<void> {
  const serverAdapter = new FastifyAdapter()
  serverAdapter.setBasePath(BULL_BOARD_PATH)
  const adapter = (q: Queue): BullMQAdapter => new BullMQAdapter(q, { readOnlyMode: true })
  const board = createBullBoard({
    queues: fastify.queues.map(adapter),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'rollmaint' } }
  })
  // The workers' own queues (docs/operations.md#cluster-job-affinity) come and go with worker
  // processes: the board's list is brought up to date from their heartbeats whenever the board
  // asks for its queues (one ZRANGE).
  const keys = createRedisKeys(opts.config.keyPrefix)
  const workerQueues = new Map<string, Queue>()
  async function refreshWorkerQueues(): Promise<void> {
    const names = new Set((await listSilentWorkerQueues(fastify.redis, keys, 0)).map((w) => w.queueName))
    for (const [name, q] of workerQueues)
      if (!names.has(name)) {
        workerQueues.delete(name)
        await q.close()
      }
    for (const name of names)
      if (!workerQueues.has(name))
        workerQueues.set(name, openQueue(name, { connection: fastify.redis, prefix: keys.bullPrefix }))
    board.replaceQueues([...fastify.queues, ...workerQueues.values()].map(adapter))
  }
  fastify.addHook('onClose', async () => {
    await Promise.all([...workerQueues.values()].map((q) => q.close()))
  })
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (request.apiUser?.role !== 'admin') {
        return reply.code(403).send({ error: 'FORBIDDEN', message: 'Bull Board needs an admin key' })
      }
      // Bull Board's readOnlyMode is enforced route by route (PUT /api/queues/pause answers 200 and
      // relies on a filter): the board only ever reads here, so anything but GET/HEAD is refused first.
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return reply.code(405).header('allow', 'GET, HEAD').send({
          error: 'METHOD_NOT_ALLOWED',
          message: 'Bull Board is read-only here: rollmaint drives its queues itself'
        })
      }
      if (request.url.split('?')[0] === `${BULL_BOARD_PATH}/api/queues`) await refreshWorkerQueues()
    })
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH })
  })
}
