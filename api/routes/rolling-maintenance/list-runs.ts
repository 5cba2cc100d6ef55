import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RunViewSchema } from '../../../shared/run-view-schema.js'

const listRuns: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/rolling-maintenance',
    {
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'Recent runs, newest first',
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1..500, default 50' }))
        }),
        response: { 200: Type.Object({ runs: Type.Array(RunViewSchema) }) }
      }
    },
    async (request) => {
      const limit = Math.min(500, Math.max(1, Number(request.query.limit ?? 50)))
      return { runs: await fastify.runService.listRuns({ limit }) }
    }
  )
}
export default listRuns
