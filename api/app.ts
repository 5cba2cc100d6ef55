import { fastifySSE as sse } from '@fastify/sse'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Config } from '../shared/config.js'
import type { RunService } from '../service/run-service.js'
import type { Inventory } from '../shared/types.js'
import type { ApiKeyStore } from './auth/api-key-store.js'
import { installErrorHandler } from './error-handler.js'
import auth from './plugins/auth.js'
import bullBoard from './plugins/bull-board.js'
import closeUnusedConnections from './plugins/close-unused-connections.js'
import consolePlugin from './plugins/console.js'
import docs from './plugins/docs.js'
import metrics from './plugins/metrics.js'
import queues from './plugins/queues.js'
import runService from './plugins/run-service.js'
import cloudStackApi from './routes/cloudstack-api.js'
import getFleet from './routes/console/get-fleet.js'
import whoami from './routes/console/whoami.js'
import healthz from './routes/healthz.js'
import cancelHostMaintenance from './routes/hosts/cancel-host-maintenance.js'
import listHosts from './routes/hosts/list-hosts.js'
import cancelRun from './routes/rolling-maintenance/cancel-run.js'
import createRun from './routes/rolling-maintenance/create-run.js'
import getRun from './routes/rolling-maintenance/get-run.js'
import runEvents from './routes/rolling-maintenance/run-events.js'
import listRuns from './routes/rolling-maintenance/list-runs.js'
import runTimeline from './routes/rolling-maintenance/run-timeline.js'
import pauseRun from './routes/rolling-maintenance/pause-run.js'
import resumeRun from './routes/rolling-maintenance/resume-run.js'
import retryRun from './routes/rolling-maintenance/retry-run.js'
import { REQUEST_LIMITS } from '../shared/request-limits.js'

export interface AppOptions {
  config: Config
  inventory: Inventory
  apiKeys: ApiKeyStore
  /** Tests and the all-in-one process may hand one in; otherwise the app creates and closes its own. */
  runService?: RunService | undefined
  /** Directory of the built web console; found next to the code when not given. */
  consoleDir?: string | undefined
}

/** Options for the Fastify instance that serves `app` (server.ts and tests use the same). */
export const serverOptions: FastifyServerOptions = {
  bodyLimit: REQUEST_LIMITS.bodyMaxBytes,
  // Unknown fields and wrong types are client errors, never silently dropped or coerced.
  ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  return503OnClosing: true
}

/** The whole HTTP API as one plugin: tests register it and drive it with `inject`. */
export default async function app(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  installErrorHandler(fastify)
  await fastify.register(closeUnusedConnections)
  await fastify.register(auth, { store: opts.apiKeys })
  await fastify.register(docs)
  await fastify.register(runService, { config: opts.config, inventory: opts.inventory, runService: opts.runService })
  await fastify.register(healthz)
  await fastify.register(createRun)
  await fastify.register(getRun)
  await fastify.register(listRuns)
  await fastify.register(cancelRun)
  await fastify.register(pauseRun)
  await fastify.register(resumeRun)
  await fastify.register(retryRun)
  await fastify.register(sse, { heartbeatInterval: 15_000 })
  await fastify.register(runEvents)
  await fastify.register(listHosts)
  await fastify.register(cancelHostMaintenance)
  await fastify.register(cloudStackApi, { requireExpires: opts.config.cloudStackRequireExpires })
  await fastify.register(queues, { config: opts.config })
  await fastify.register(bullBoard, { config: opts.config })
  await fastify.register(metrics, { config: opts.config })
  await fastify.register(whoami)
  await fastify.register(getFleet, { config: opts.config, inventory: opts.inventory })
  await fastify.register(runTimeline, { config: opts.config, inventory: opts.inventory })
  await fastify.register(consolePlugin, { dir: opts.consoleDir })
}
