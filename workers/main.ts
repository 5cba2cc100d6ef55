import { pathToFileURL } from 'node:url'
import type { Logger } from 'pino'
import { loadConfig } from '../shared/config.js'
import { loadInventory } from '../shared/load-inventory.js'
import { createLogger } from '../shared/logger.js'
import { createWorker, type RollmaintWorker } from './create-worker.js'
import { exitOnStartError } from '../shared/exit-on-start-error.js'

/**
 * First SIGTERM/SIGINT drains (no new host starts; the host in hand finishes its cycle), a second
 * one stops at once (other workers re-attach to what was running).
 */
export function handleWorkerSignals(
  worker: RollmaintWorker,
  logger: Logger,
  onDone: () => Promise<void> = async () => undefined
): void {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1
    if (signals === 1) {
      logger.info({ signal }, 'draining: finishing hosts in hand; send the signal again to stop at once')
      worker
        .drain()
        .then(onDone)
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error({ err }, 'drain failed')
          process.exit(1)
        })
    } else {
      logger.warn({ signal }, 'stopping now')
      worker
        .forceClose()
        .catch((err: unknown) => logger.error({ err }, 'force close failed'))
        .finally(() => process.exit(1))
    }
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger(config.logLevel)
  try {
    const inventory = loadInventory(config.inventoryPath)
    const worker = await createWorker({ config, inventory, logger })
    handleWorkerSignals(worker, logger)
  } catch (err) {
    logger.fatal({ err }, 'worker could not start')
    process.exit(1)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().catch(exitOnStartError)
