import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { payloadProblem } from '../../../shared/request-limits.js'
import { ScopeError } from '../../../shared/errors/scope-error.js'
import { DryRunReply } from '../../schemas/dry-run-schema.js'
import { CreateRunBody, ErrorReply, normaliseIds } from '../../schemas/run-schemas.js'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const createRun: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/rolling-maintenance',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['rolling-maintenance'],
        summary:
          'Start a rolling maintenance run (docs/user-guide.md); answers at once, the run proceeds in the workers. With dryRun: 200 {plan}, nothing is started',
        body: CreateRunBody,
        response: { 200: DryRunReply, 202: RunViewSchema, 400: ErrorReply, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const b = request.body
      const scope = {
        zoneids: normaliseIds(b.zoneids),
        podids: normaliseIds(b.podids),
        clusterids: normaliseIds(b.clusterids),
        hostids: normaliseIds(b.hostids)
      }
      const limitProblem = payloadProblem(b.payload)
      if (limitProblem) throw new ScopeError(limitProblem)
      const runRequest = {
        ...scope,
        forced: b.forced ?? false,
        payload: b.payload,
        timeout: b.timeout,
        maxFailures: b.maxFailures,
        canary: b.canary,
        soakSeconds: b.soakSeconds,
        window: b.window
      }
      if (b.dryRun) return reply.code(200).send({ plan: await fastify.runService.planRun(runRequest) })
      const run = await fastify.runService.createRun(runRequest, request.apiUser?.name)
      request.log.info({ runId: run.id, user: request.apiUser?.name }, 'run created')
      return reply.code(202).header('location', `/api/v1/rolling-maintenance/${run.id}`).send(run)
    }
  )
}
export default createRun
