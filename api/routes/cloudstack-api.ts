import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { CloudStackApiError, cloudStackErrorBody, CS_ERRORS, type CsErrorKind } from '../cloudstack/cloudstack-error.js'
import { param, type CloudStackCommand } from '../cloudstack/command-context.js'
import { listApis } from '../cloudstack/commands/list-apis.js'
import { listAsyncJobs } from '../cloudstack/commands/list-async-jobs.js'
import { queryAsyncJobResult } from '../cloudstack/commands/query-async-job-result.js'
import { startRollingMaintenance } from '../cloudstack/commands/start-rolling-maintenance.js'
import { verifyCloudStackSignature } from '../cloudstack/verify-signature.js'

const COMMANDS = new Map<string, CloudStackCommand>(
  [startRollingMaintenance, queryAsyncJobResult, listAsyncJobs, listApis].map((c) => [c.name.toLowerCase(), c]),
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
const cloudStackApi: FastifyPluginAsync = async (fastify) => {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
    done(null, body)
  })

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const params = new Map<string, string>()
    collect(params, request.url.split('?')[1])
    if (typeof request.body === 'string') collect(params, request.body)
    const commandName = param(params, 'command')
    const fail = (kind: CsErrorKind, text: string): FastifyReply =>
      reply.code(CS_ERRORS[kind].errorcode).send(cloudStackErrorBody(commandName, kind, text))

    const format = param(params, 'response')
    if (format !== undefined && format.toLowerCase() !== 'json') return fail('PARAM_ERROR', 'only response=json is supported')
    const apiKey = param(params, 'apikey')
    const user = apiKey ? fastify.apiKeys.findByApiKey(apiKey) : undefined
    const verdict = user ? verifyCloudStackSignature(params, user.secretKey, new Date()) : { ok: false as const, reason: 'unknown or missing apiKey' }
    if (!user || !verdict.ok) {
      request.log.warn({ reason: verdict.ok ? undefined : verdict.reason, command: commandName }, 'CloudStack API request refused')
      return fail('UNAUTHORIZED', 'unable to verify user credentials and/or request signature')
    }
    const command = commandName ? COMMANDS.get(commandName.toLowerCase()) : undefined
    if (!command || (command.role === 'admin' && user.role !== 'admin')) {
      return fail('UNSUPPORTED_ACTION_ERROR', 'The given command does not exist or it is not available for user')
    }
    try {
      const body = await command.handle({ params, user, runService: fastify.runService })
      return reply.code(200).send({ [`${command.name.toLowerCase()}response`]: body })
    } catch (err) {
      if (err instanceof CloudStackApiError) return fail(err.kind, err.message)
      request.log.error({ err, command: command.name }, 'CloudStack API command failed')
      return fail('INTERNAL_ERROR', 'internal error; see the server log')
    }
  }

  for (const method of ['GET', 'POST'] as const) {
    fastify.route({ method, url: '/client/api', config: { access: 'public' }, schema: { hide: true }, handler })
  }
}
export default cloudStackApi
