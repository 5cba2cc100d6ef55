import { loadConfig } from '../shared/config.js'
import { loadInventory } from '../shared/load-inventory.js'
import { createLogger } from '../shared/logger.js'
import { createWorker } from '../workers/create-worker.js'
import { handleWorkerSignals } from '../workers/main.js'
import { createSimulatedExecutor } from './simulated-executor.js'

/**
 * BENCHMARK ONLY: `workers/main.ts` with the simulated executor (no network, no hosts); everything
 * else, BullMQ, Redis, leases and the orchestration, is the production code.
 */
const config = loadConfig(process.env)
const logger = createLogger(config.logLevel)
const worker = await createWorker({
  config,
  inventory: loadInventory(config.inventoryPath),
  logger,
  executor: createSimulatedExecutor({
    stages: { PreFlight: {}, PreMaintenance: {}, Maintenance: {}, PostMaintenance: {} }
  })
})
handleWorkerSignals(worker, logger)
process.stdout.write('sim-worker ready\n')
