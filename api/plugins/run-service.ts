import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import { createRunService } from '../../service/create-run-service.js'
import type { Config } from '../../shared/config.js'
import type { RunService } from '../../service/run-service.js'
import type { Inventory } from '../../shared/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    runService: RunService
  }
}

/** The run service (queries and commands over Redis and the runs queue) as a named resource, closed with the server. */
export default fp(
  async function runServicePlugin(
    fastify,
    opts: { config: Config; inventory: Inventory; runService?: RunService | undefined }
  ) {
    const owned = !opts.runService
    const service =
      opts.runService ??
      (await createRunService({ config: opts.config, inventory: opts.inventory, logger: fastify.log as Logger }))
    fastify.decorate('runService', service)
    fastify.addHook('onClose', async () => {
      if (owned) await service.close()
    })
  },
  { name: 'run-service' }
)
