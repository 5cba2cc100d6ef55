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
    options: { uiConfig: { boardTitle: 'rollmaint' } }
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
    })
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH })
  })
}
