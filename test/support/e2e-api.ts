import Fastify, { type FastifyInstance } from 'fastify'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import type { E2E } from './e2e-env.js'

/** The real API app over an E2E's run service, accepting these API users; driven by `inject`. */
export async function e2eApi(e2e: E2E, users: readonly ApiUser[]): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions)
  await fastify.register(app, {
    config: e2e.config,
    inventory: e2e.inventory,
    runService: e2e.runService,
    apiKeys: createApiKeyStore([...users])
  })
  return fastify
}

/** The same, listening on a free loopback port, for clients that need a URL (SSE, the CLI, a browser). */
export async function listenE2EApi(
  e2e: E2E,
  users: readonly ApiUser[]
): Promise<{ fastify: FastifyInstance; url: string }> {
  const fastify = await e2eApi(e2e, users)
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  return { fastify, url: `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}` }
}
