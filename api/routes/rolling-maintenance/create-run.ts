import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ScopeError } from '../../../shared/errors/scope-error.js'
import { CreateRunBody, ErrorReply, normaliseIds, RunViewSchema } from '../../schemas/run-schemas.js'

const createRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'Start a rolling maintenance run (spec 3); answers at once, the run proceeds in the workers',
        body: CreateRunBody,
        response: { 202: RunViewSchema, 400: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      const b = request.body
      const scope = {
        zoneids: normaliseIds(b.zoneids),
        podids: normaliseIds(b.podids),
        clusterids: normaliseIds(b.clusterids),
        hostids: normaliseIds(b.hostids),
      }
      if (b.payload?.includes('\0')) throw new ScopeError('payload must not contain a NUL byte')
      const run = await fastify.runService.createRun({ ...scope, forced: b.forced ?? false, payload: b.payload, timeout: b.timeout })
      request.log.info({ runId: run.id, user: request.apiUser?.name }, 'run created')
      return reply.code(202).header('location', `/api/v1/rolling-maintenance/${run.id}`).send(run)
    },
  )
}
export default createRun
