import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const cancelRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance/:id/cancel',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'Cancel a run: no new host starts, hosts in hand finish their cycle, then status cancelled',
        params: IdParams,
        response: { 202: RunViewSchema, 404: ErrorReply, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const run = await fastify.runService.cancelRun(request.params.id, request.apiUser?.name)
      request.log.info({ runId: run.id, user: request.apiUser?.name }, 'run cancel requested')
      return reply.code(202).send(run)
    }
  )
}
export default cancelRun
