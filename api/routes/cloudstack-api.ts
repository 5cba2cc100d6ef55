import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { CloudStackApiError, cloudStackErrorBody, CS_ERRORS, type CsErrorKind } from '../cloudstack/cloudstack-error.js'
import { param, type CloudStackCommand } from '../cloudstack/command-context.js'
import { listApis } from '../cloudstack/commands/list-apis.js'
import { listAsyncJobs } from '../cloudstack/commands/list-async-jobs.js'
import { queryAsyncJobResult } from '../cloudstack/commands/query-async-job-result.js'
import { startRollingMaintenance } from '../cloudstack/commands/start-rolling-maintenance.js'
import { checkMutationSigning } from '../cloudstack/mutation-signing.js'
import { parameterNameProblem } from '../cloudstack/parameter-names.js'
import { verifyCloudStackSignature } from '../cloudstack/verify-signature.js'
import { RedisUnavailableError } from '../../shared/errors/redis-unavailable-error.js'
import { isRedisUnavailable } from '../../shared/is-redis-unavailable.js'
import { REQUEST_LIMITS } from '../../shared/request-limits.js'

const COMMANDS = new Map<string, CloudStackCommand>(
  [startRollingMaintenance, queryAsyncJobResult, listAsyncJobs, listApis].map((c) => [c.name.toLowerCase(), c])
)

/** First value wins, as with the servlet API CloudStack reads parameters through. */
function collect(into: Map<string, string>, encoded: string | undefined): void {
  if (!encoded) return
  for (const [k, v] of new URLSearchParams(encoded)) if (!into.has(k)) into.set(k, v)
}

/**
 * `/client/api`, CloudStack's own endpoint shape, so CloudStack clients and scripts work unchanged:
 * parameters from the query string and/or a form body, signed requests, `response=json`.
 */
const cloudStackApi: FastifyPluginAsync<{ requireExpires: boolean }> = async (fastify, opts) => {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: REQUEST_LIMITS.bodyMaxBytes },
    (_req, body, done) => {
      done(null, body)
    }
  )

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const params = new Map<string, string>()
    collect(params, request.url.split('?')[1])
    if (typeof request.body === 'string') collect(params, request.body)
    const commandName = param(params, 'command')
    const fail = (kind: CsErrorKind, text: string): FastifyReply =>
      reply.code(CS_ERRORS[kind].errorcode).send(cloudStackErrorBody(commandName, kind, text))

    const refuse = (
      reason: string,
      text = 'unable to verify user credentials and/or request signature'
    ): FastifyReply => {
      request.log.warn({ reason, command: commandName }, 'CloudStack API request refused')
      return fail('UNAUTHORIZED', text)
    }
    const badName = parameterNameProblem(params.keys())
    if (badName) return refuse(badName, badName)

    const format = param(params, 'response')
    if (format !== undefined && format.toLowerCase() !== 'json')
      return fail('PARAM_ERROR', 'only response=json is supported')
    const apiKey = param(params, 'apikey')
    const user = apiKey ? fastify.apiKeys.findByApiKey(apiKey) : undefined
    const verdict = user
      ? verifyCloudStackSignature(params, user.secretKey, new Date())
      : { ok: false as const, reason: 'unknown or missing apiKey' }
    if (!user || !verdict.ok) return refuse(verdict.ok ? 'unknown apiKey' : verdict.reason)
    const command = commandName ? COMMANDS.get(commandName.toLowerCase()) : undefined
    if (!command || (command.role === 'admin' && user.role !== 'admin')) {
      return fail('UNSUPPORTED_ACTION_ERROR', 'The given command does not exist or it is not available for user')
    }
    if (command.role === 'admin') {
      const signing = checkMutationSigning(params, new Date(), opts.requireExpires)
      if (!signing.ok) return refuse(signing.reason, signing.reason)
      const signature = Buffer.from(param(params, 'signature') ?? '', 'base64').toString('hex')
      if (
        signing.expiresAt !== undefined &&
        !(await fastify.runService.claimSignedRequest(signature, signing.expiresAt))
      ) {
        return refuse('replayed request', 'this signed request was already used; sign a new one for every call')
      }
    }
    try {
      const body = await command.handle({ params, user, runService: fastify.runService })
      return reply.code(200).send({ [`${command.name.toLowerCase()}response`]: body })
    } catch (err) {
      if (err instanceof CloudStackApiError) return fail(err.kind, err.message)
      if (isRedisUnavailable(err)) {
        request.log.warn(
          { err: (err as Error).message, command: command.name },
          'CloudStack API request refused: Redis unavailable'
        )
        return fail('RESOURCE_UNAVAILABLE_ERROR', new RedisUnavailableError(err).message)
      }
      request.log.error({ err, command: command.name }, 'CloudStack API command failed')
      return fail('INTERNAL_ERROR', 'internal error; see the server log')
    }
  }

  for (const method of ['GET', 'POST'] as const) {
    fastify.route({ method, url: '/client/api', config: { access: 'public' }, schema: { hide: true }, handler })
  }
}
export default cloudStackApi
