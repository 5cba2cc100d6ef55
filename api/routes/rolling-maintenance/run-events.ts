import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RunNotFoundError } from '../../../shared/errors/run-not-found-error.js'
import { IdParams } from '../../schemas/run-schemas.js'
import { createStreamSlots, type StreamLimits } from '../../event-stream-slots.js'

/**
 * Live progress as Server-Sent Events: run.started, stage.started/finished (exit code, duration),
 * host.updated/skipped/failed, run.finished (with the result). Each event's id is its stream id,
 * so a client that reconnects with Last-Event-ID (or ?lastEventId=) gets exactly what it missed.
 */
const runEvents: FastifyPluginAsyncTypebox<{ limits?: StreamLimits }> = async (fastify, opts) => {
  const slots = createStreamSlots(opts.limits)
  // Open streams would keep the server from closing: end them first (clients reconnect elsewhere
  // with Last-Event-ID and miss nothing).
  const open = new Set<{ close(): void }>()
  fastify.addHook('preClose', async () => {
    for (const s of open) s.close()
  })
  fastify.get(
    '/api/v1/rolling-maintenance/:id/events',
    {
      sse: { kind: 'manual' },
      schema: {
        tags: ['rolling-maintenance'],
        summary: 'Live progress of a run (text/event-stream), resumable with Last-Event-ID',
        params: IdParams,
        querystring: Type.Object({ lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]+-[0-9]+$' })) })
      }
    },
    async (request, reply) => {
      const afterId = reply.sse.lastEventId ?? request.query.lastEventId
      // docs/api.md#limits: 20 per key, 500 in all; counted until the response ends, whatever ends it.
      const release = slots.acquire(request.apiUser?.apiKey ?? '')
      reply.raw.once('close', release)
      const stream = await fastify.runService
        .openEventStream(request.params.id, afterId ?? undefined)
        .catch((err: unknown) => {
          release()
          throw err
        })
      if (!stream) {
        release()
        throw new RunNotFoundError(request.params.id)
      }
      // An event stream owns its connection: once it ends, close the socket too, so a closing
      // server does not wait for the client's keep-alive timeout.
      reply.header('connection', 'close')
      open.add(stream)
      reply.sse.onClose(() => {
        open.delete(stream)
        stream.close()
      })
      // Commit the response now, not at the first event: a queued run may have none for a long
      // time, and the client (and any proxy) must see the stream open and get heartbeats meanwhile.
      reply.sse.sendHeaders()
      reply.raw.flushHeaders() // writeHead alone only queues them until the first write
      try {
        await reply.sse.send(
          (async function* () {
            for await (const e of stream) yield { id: e.id, event: e.type, data: e.data }
          })()
        )
      } catch (err) {
        // Headers are out, so no error reply is possible: end the stream; the client resumes with Last-Event-ID.
        request.log.warn({ err, runId: request.params.id }, 'event stream broke off')
      } finally {
        // The run finished, the server is closing or the read failed: end the response instead of idling on heartbeats.
        reply.sse.close()
      }
    }
  )
}
export default runEvents
