import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

/** The only open route (docs/api.md#authentication): liveness for load balancers and orchestrators. */
const healthz: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
    },
    async () => ({ status: 'ok' as const })
  )
}
export default healthz
