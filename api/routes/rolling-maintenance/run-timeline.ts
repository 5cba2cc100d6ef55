import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../../shared/config.js'
import { RunNotFoundError } from '../../../shared/errors/run-not-found-error.js'
import { isRunId } from '../../../shared/run-id.js'
import { createRedisKeys } from '../../../store/keys.js'
import { buildRunTimeline } from '../../../shared/run-timeline.js'
import { readRunTimelineData } from '../../../store/run/read-run-timeline-data.js'
import type { Inventory } from '../../../shared/types.js'
import { ErrorReply, IdParams } from '../../schemas/run-schemas.js'
import { RunTimelineSchema } from '../../schemas/console-schemas.js'

/**
 * Every host of a run with its stages on a time line (start, end, outcome, exit code, output tail)
 * and the latest events: the console's run page loads this, then follows `…/events` from
 * `lastEventId` and folds new events in with the same code (shared/run-timeline.ts).
 */
const runTimeline: FastifyPluginAsyncTypebox<{ config: Config; inventory: Inventory }> = async (fastify, opts) => {
  const keys = createRedisKeys(opts.config.keyPrefix)
  // Lanes in processing order: clusters and hosts as the inventory lists them.
  const order = new Map<string, number>()
  for (const cluster of opts.inventory.clusters.values()) for (const id of cluster.hostIds) order.set(id, order.size)
  fastify.get(
    '/api/v1/rolling-maintenance/:id/timeline',
    {
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'Per host of a run: stages with times, outcome and output tail, plus the latest events',
        params: IdParams,
        response: { 200: RunTimelineSchema, 404: ErrorReply }
      }
    },
    async (request) => {
      // No key is built from a caller's id that is not a run id (`<id>:events` would name the event stream).
      const data = isRunId(request.params.id)
        ? await readRunTimelineData(fastify.redis, keys, request.params.id)
        : undefined
      if (!data) throw new RunNotFoundError(request.params.id)
      const records = [...data.hosts].sort(
        (a, b) => (order.get(a.hostId) ?? Infinity) - (order.get(b.hostId) ?? Infinity)
      )
      return buildRunTimeline(records, data.events)
    }
  )
}
export default runTimeline
