import { Writable } from 'node:stream'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import type { Config } from '../../shared/config.js'
import { createLogger } from '../../shared/logger.js'
import type { Inventory } from '../../shared/types.js'

/**
 * The real API app (its own run service) logging at info into `logLines`, for tests that check
 * what it logged as well as what it answered; driven by `inject`.
 */
export async function loggedApi(
  config: Config,
  inventory: Inventory,
  users: readonly ApiUser[]
): Promise<{ fastify: FastifyInstance; logLines: string[] }> {
  const logLines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk))
      cb()
    }
  })
  const fastify = Fastify({ ...serverOptions, loggerInstance: createLogger('info', sink) as FastifyBaseLogger })
  await fastify.register(app, { config, inventory, apiKeys: createApiKeyStore([...users]) })
  await fastify.ready()
  return { fastify, logLines }
}
