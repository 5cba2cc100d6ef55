import { pathToFileURL } from 'node:url'
import closeWithGrace from 'close-with-grace'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadConfig, type Config } from '../shared/config.js'
import { loadInventory } from '../shared/load-inventory.js'
import { createLogger } from '../shared/logger.js'
import type { Inventory } from '../shared/types.js'
import app, { serverOptions } from './app.js'
import { createApiKeyStore } from './auth/api-key-store.js'
import { generatedKeyNotice, loadApiKeys } from './auth/load-api-keys.js'

/** Builds and starts the API; used by this file's main and by the all-in-one `main.ts`. */
export async function startApi(deps: { config: Config; inventory: Inventory; logger: Logger }): Promise<FastifyInstance> {
  const { config, inventory, logger } = deps
  const keys = loadApiKeys(config.apiKeysPath, config.dataDir)
  const fastify: FastifyInstance = Fastify({ ...serverOptions, loggerInstance: logger as FastifyBaseLogger })
  await fastify.register(app, { config, inventory, apiKeys: createApiKeyStore(keys.users) })
  await fastify.listen({ host: config.host, port: config.port })
  if (keys.generated) logger.warn({ file: keys.file }, generatedKeyNotice(keys))
  return fastify
}

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger(config.logLevel)
  let fastify: FastifyInstance
  try {
    fastify = await startApi({ config, inventory: loadInventory(config.inventoryPath), logger })
  } catch (err) {
    logger.fatal({ err }, 'API could not start')
    process.exit(1)
  }
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) logger.error({ err }, 'closing after an error')
    await fastify.close()
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main()
