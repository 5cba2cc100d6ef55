import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { HostViewSchema } from '../../../shared/run-view-schema.js'

/** CloudStack's cancelHostMaintenance for a host left in maintenance (ErrorInMaintenance) by a run. */
const cancelHostMaintenance: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/v1/hosts/:id/cancel-maintenance',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['hosts'],
        summary: 'Set a host left in maintenance back to Enabled and free its cluster (check the host by hand first)',
        params: IdParams,
        response: { 200: HostViewSchema, 404: ErrorReply, 409: ErrorReply }
      }
    },
    async (request) => fastify.runService.cancelHostMaintenance(request.params.id, request.apiUser?.name ?? 'unknown')
  )
}
export default cancelHostMaintenance
