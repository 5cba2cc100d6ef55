import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { FastifyInstance } from 'fastify'

export const BULL_BOARD_PATH = '/admin/queues'

/**
 * Bull Board at /admin/queues, read-only (it shows; retrying or deleting jobs behind the
 * orchestrator's back could break a run), and for admin keys only: the global auth hook has
 * already checked the Basic credentials; this encapsulated hook asks for the admin role.
 */
export default async function bullBoard(fastify: FastifyInstance): Promise<void> {
  const serverAdapter = new FastifyAdapter()
  serverAdapter.setBasePath(BULL_BOARD_PATH)
  createBullBoard({
    queues: fastify.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'rollmaint' } },
  })
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.apiUser?.role !== 'admin') {
          await reply.code(403).send({ error: 'FORBIDDEN', message: 'Bull Board needs an admin key' })
        }
      })
      await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH })
    },
  )
}
