import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const retryRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance/:id/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary:
          'Retry a finished run (docs/api.md#operator-controls): a new run, with the same options, over its hosts that failed, were skipped for a failure or never started; answers the new run (retryOf = :id)',
        params: IdParams,
        response: { 202: RunViewSchema, 404: ErrorReply, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const run = await fastify.runService.retryRun(request.params.id, request.apiUser!.name)
      request.log.info({ runId: run.id, retryOf: request.params.id, user: request.apiUser?.name }, 'run retried')
      return reply.code(202).header('location', `/api/v1/rolling-maintenance/${run.id}`).send(run)
    }
  )
}
export default retryRun
