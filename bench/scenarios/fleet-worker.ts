import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadConfig } from '../../shared/config.js'
import { loadInventory } from '../../shared/load-inventory.js'
import { createLogger } from '../../shared/logger.js'
import { createWorker } from '../../workers/create-worker.js'
import { handleWorkerSignals } from '../../workers/main.js'

/**
 * BENCHMARK ONLY: `workers/main.ts` (the production SSH worker) plus a CPU profiler the fleet
 * scenario switches on and off over IPC, so the profile covers the run and not tsx's start-up.
 */
const config = loadConfig(process.env)
const logger = createLogger(config.logLevel)
const worker = await createWorker({ config, inventory: loadInventory(config.inventoryPath), logger })
handleWorkerSignals(worker, logger)

const inspector = new Session()
type Command = { profile: 'start' } | { profile: 'stop'; path: string }
process.on('message', (msg: Command) => {
  const answer = async (): Promise<void> => {
    if (msg.profile === 'start') {
      inspector.connect()
      await inspector.post('Profiler.enable')
      await inspector.post('Profiler.setSamplingInterval', { interval: 500 })
      await inspector.post('Profiler.start')
    } else {
      const { profile } = await inspector.post('Profiler.stop')
      writeFileSync(msg.path, JSON.stringify(profile))
      inspector.disconnect()
    }
    process.send?.({ done: msg.profile })
  }
  answer().catch((err: unknown) => process.send?.({ error: String(err) }))
})
process.stdout.write('fleet-worker ready\n')
