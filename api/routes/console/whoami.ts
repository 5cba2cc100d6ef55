import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { WhoAmISchema } from '../../schemas/console-schemas.js'

/** Who the credentials belong to: the console signs in with it and shows only what the role may do. */
const whoami: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/whoami',
    { schema: { tags: ['auth'], summary: "The API key's name and role", response: { 200: WhoAmISchema } } },
    async (request) => ({ name: request.apiUser!.name, role: request.apiUser!.role })
  )
}
export default whoami
