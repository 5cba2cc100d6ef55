import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const resumeRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance/:id/resume',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary:
          'Resume a paused run (docs/api.md#operator-controls): its clusters start their next host (inside the window, after soak and gate)',
        params: IdParams,
        response: { 202: RunViewSchema, 404: ErrorReply, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const run = await fastify.runService.resumeRun(request.params.id, request.apiUser!.name)
      return reply.code(202).send(run)
    }
  )
}
export default resumeRun
