import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const pauseRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance/:id/pause',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary:
          'Pause a run (docs/api.md#operator-controls): no new host starts; hosts in their cycle finish it; status paused. Pausing twice is harmless',
        params: IdParams,
        response: { 202: RunViewSchema, 404: ErrorReply, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const run = await fastify.runService.pauseRun(request.params.id, request.apiUser!.name)
      return reply.code(202).send(run)
    }
  )
}
export default pauseRun
