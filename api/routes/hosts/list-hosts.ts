import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { HostViewSchema } from '../../../shared/run-view-schema.js'

/** Host resource states (Enabled, PrepareForMaintenance, Maintenance, ErrorInMaintenance) as kept in Redis. */
const hosts: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/hosts',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Every inventory host with its resource state',
        response: { 200: Type.Object({ hosts: Type.Array(HostViewSchema) }) }
      }
    },
    async () => ({ hosts: await fastify.runService.listHosts() })
  )
  fastify.get(
    '/api/v1/hosts/:id',
    {
      schema: {
        tags: ['hosts'],
        summary: 'One host with its resource state',
        params: IdParams,
        response: { 200: HostViewSchema, 404: ErrorReply }
      }
    },
    async (request, reply) => {
      const host = await fastify.runService.getHost(request.params.id)
      if (!host)
        return reply
          .code(404)
          .send({ error: 'HOST_NOT_FOUND', message: `no host with id ${request.params.id} in the inventory` })
      return host
    }
  )
}
export default hosts
