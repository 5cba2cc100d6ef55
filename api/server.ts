import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import closeWithGrace from 'close-with-grace'
import type { Server as HttpsServer } from 'node:https'
import Fastify, { type FastifyBaseLogger, type FastifyHttpsOptions, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadConfig, type Config } from '../shared/config.js'
import { ConfigError } from '../shared/errors/config-error.js'
import { loadInventory } from '../shared/load-inventory.js'
import { createLogger } from '../shared/logger.js'
import type { Inventory } from '../shared/types.js'
import app, { serverOptions } from './app.js'
import { createApiKeyStore } from './auth/api-key-store.js'
import { generatedKeyNotice, loadApiKeys } from './auth/load-api-keys.js'
import { exitOnStartError } from '../shared/exit-on-start-error.js'

/** The PEM files TLS_CERT and TLS_KEY name, read once at start-up; a missing file stops it naming the variable. */
function readTlsFiles(tls: { certPath: string; keyPath: string }): { cert: Buffer; key: Buffer } {
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file)
    } catch (err) {
      throw new ConfigError(variable, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
  }
  return { cert: read('TLS_CERT', tls.certPath), key: read('TLS_KEY', tls.keyPath) }
}

/** Builds and starts the API; used by this file's main and by the all-in-one `main.ts`. */
export async function startApi(deps: {
  config: Config
  inventory: Inventory
  logger: Logger
}): Promise<FastifyInstance> {
  const { config, inventory, logger } = deps
  const keys = loadApiKeys(config.apiKeysPath, config.dataDir)
  const https = config.tls ? readTlsFiles(config.tls) : undefined
  // One shape for both: the app never depends on whether it is served over TLS.
  const fastify = (https
    ? Fastify({ ...serverOptions, https, loggerInstance: logger as FastifyBaseLogger } as FastifyHttpsOptions<
        HttpsServer,
        FastifyBaseLogger
      >)
    : Fastify({ ...serverOptions, loggerInstance: logger as FastifyBaseLogger })) as unknown as FastifyInstance
  await fastify.register(app, { config, inventory, apiKeys: createApiKeyStore(keys.users) })
  await fastify.listen({ host: config.host, port: config.port })
  const address = fastify.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const url = `${https ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info({ url, host: config.host, hostFrom: config.hostFrom, tls: Boolean(https) }, `API listening on ${url}`)
  if (config.hostFrom === 'default (no TLS: loopback only)') {
    logger.warn(
      { host: config.host },
      'no TLS_CERT/TLS_KEY and no HOST: listening on 127.0.0.1 only, so Basic credentials never cross the network in clear; to serve other machines set TLS_CERT and TLS_KEY, or put a TLS reverse proxy in front and set HOST'
    )
  } else if (!https) {
    logger.warn(
      { host: config.host },
      `serving plain HTTP on ${config.host}: Basic credentials cross the network in clear unless a TLS reverse proxy is in front`
    )
  }
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().catch(exitOnStartError)
