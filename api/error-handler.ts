import type { FastifyError, FastifyInstance } from 'fastify'
import { RedisUnavailableError } from '../shared/errors/redis-unavailable-error.js'
import { isRedisUnavailable } from '../shared/is-redis-unavailable.js'

/** Our domain errors carry a stable code; this maps them to HTTP. */
const STATUS_BY_CODE: Record<string, number> = {
  SCOPE_INVALID: 400,
  CONTROLS_INVALID: 400,
  RUN_NOT_PAUSED: 409,
  RUN_ACTIVE: 409,
  NOTHING_TO_RETRY: 409,
  RUN_CONFLICT: 409,
  RUN_FINISHED: 409,
  RUN_NOT_FOUND: 404,
  HOST_NOT_FOUND: 404,
  HOST_NOT_IN_MAINTENANCE: 409,
  CLUSTER_BUSY: 409,
  TOO_MANY_STREAMS: 429,
  EVENTS_TRIMMED: 410
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is too large (limit 256 KiB; payload may be at most 64 KiB)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported Content-Type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the JSON body is empty'
}

/**
 * One error handler for the whole API: client mistakes answer 4xx with a message naming the
 * problem; Redis without a reachable master is a 503 the client may retry; anything else is a
 * 500 whose details stay in the log.
 */
export function installErrorHandler(fastify: FastifyInstance): void {
  fastify.setErrorHandler((error: FastifyError & { conflicts?: unknown }, request, reply) => {
    if (error.validation) {
      return reply.code(400).send({ error: 'VALIDATION_FAILED', message: error.message })
    }
    const mapped = error.code ? STATUS_BY_CODE[error.code] : undefined
    if (mapped) {
      return reply
        .code(mapped)
        .send({ error: error.code, message: error.message, ...(error.conflicts ? { conflicts: error.conflicts } : {}) })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const message =
        FASTIFY_MESSAGES[error.code] ??
        (error instanceof SyntaxError ? `malformed JSON body: ${error.message}` : error.message)
      return reply.code(status).send({ error: error.code ?? 'BAD_REQUEST', message })
    }
    if (isRedisUnavailable(error)) {
      // Redis down or failing over: the client can retry; it is not a bug (never a 500).
      const unavailable = new RedisUnavailableError(error)
      request.log.warn({ err: error.message }, 'request refused: Redis unavailable')
      return reply.code(503).header('retry-after', '5').send({ error: unavailable.code, message: unavailable.message })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error; see the server log' })
  })
  fastify.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })
}
