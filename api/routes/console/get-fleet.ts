import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { buildFleetView, vmCounts } from '../../../shared/build-fleet-view.js'
import type { Config } from '../../../shared/config.js'
import type { Inventory } from '../../../shared/types.js'
import { getCapacitySnapshots } from '../../../store/cluster/get-capacity-snapshots.js'
import { createRedisKeys } from '../../../store/keys.js'
import { FleetViewSchema } from '../../schemas/console-schemas.js'

/** Runs looked at for "which active run holds this cluster": active runs are among the newest. */
const RECENT_RUNS = 200

/** The inventory's tree with resource states and active runs (the console's fleet page). */
const getFleet: FastifyPluginAsyncTypebox<{ config: Config; inventory: Inventory }> = async (fastify, opts) => {
  const keys = createRedisKeys(opts.config.keyPrefix)
  const clusterIds = [...opts.inventory.clusters.keys()]
  fastify.get(
    '/api/v1/fleet',
    {
      schema: {
        tags: ['hosts'],
        summary:
          'Zones, pods, clusters and hosts with resource state, the active run covering them and, where the libvirt driver read them, VM counts',
        response: { 200: FleetViewSchema }
      }
    },
    async () => {
      const [hosts, runs, snapshots] = await Promise.all([
        fastify.runService.listHosts(),
        fastify.runService.listRuns({ limit: RECENT_RUNS }),
        getCapacitySnapshots(fastify.redis, keys, clusterIds)
      ])
      return buildFleetView(opts.inventory, hosts, runs, vmCounts(snapshots))
    }
  )
}
export default getFleet
