import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { buildFleetView } from '../../../shared/build-fleet-view.js'
import type { Inventory } from '../../../shared/types.js'
import { FleetViewSchema } from '../../schemas/console-schemas.js'

/** Runs looked at for "which active run holds this cluster": active runs are among the newest. */
const RECENT_RUNS = 200

/** The inventory's tree with resource states and active runs (the console's fleet page). */
const getFleet: FastifyPluginAsyncTypebox<{ inventory: Inventory }> = async (fastify, opts) => {
  fastify.get(
    '/api/v1/fleet',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Zones, pods, clusters and hosts with resource state and the active run covering them',
        response: { 200: FleetViewSchema },
      },
    },
    async () => {
      const [hosts, runs] = await Promise.all([fastify.runService.listHosts(), fastify.runService.listRuns({ limit: RECENT_RUNS })])
      return buildFleetView(opts.inventory, hosts, runs)
    },
  )
}
export default getFleet
