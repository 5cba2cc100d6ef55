import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RunNotFoundError } from '../../../shared/errors/run-not-found-error.js'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const getRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/rolling-maintenance/:id',
    {
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'A run: status, progress and, once ended, the CloudStack-shaped result',
        params: IdParams,
        response: { 200: RunViewSchema, 404: ErrorReply }
      }
    },
    async (request) => {
      const run = await fastify.runService.getRun(request.params.id)
      if (!run) throw new RunNotFoundError(request.params.id)
      return run
    }
  )
}
export default getRun
