import { pathToFileURL } from 'node:url'
import { startApi } from './api/server.js'
import { loadConfig } from './shared/config.js'
import { loadInventory } from './shared/load-inventory.js'
import { createLogger } from './shared/logger.js'
import { createWorker } from './workers/create-worker.js'
import { handleWorkerSignals } from './workers/main.js'
import { exitOnStartError } from './shared/exit-on-start-error.js'

/** `npm start`: the API and one worker in one process, a single machine's default (docs/operations.md#processes). */
async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger(config.logLevel)
  try {
    const inventory = loadInventory(config.inventoryPath)
    const worker = await createWorker({ config, inventory, logger })
    const api = await startApi({ config, inventory, logger })
    // First signal: stop accepting requests, let the worker finish the hosts in hand; second: now.
    handleWorkerSignals(worker, logger, () => api.close())
  } catch (err) {
    logger.fatal({ err }, 'rollmaint could not start')
    process.exit(1)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().catch(exitOnStartError)
