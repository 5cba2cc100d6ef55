import Fastify from 'fastify'
import { it, expect } from 'vitest'
import app, { serverOptions } from '/work/main/api/app.js'
import { createApiKeyStore } from '/work/main/api/auth/api-key-store.js'
import { startE2E, clusterId } from '/work/main/test/support/e2e-env.js'
const U = { name: 'r', apiKey: 'k-0123456789abc', secretKey: 's-0123456789abcdef', role: 'readonly' as const }
it('close with open sse', async () => {
  const e2e = await startE2E({ label: 'exp', clusters: [{ name: 'q', hosts: ['q1'] }], workers: 0 })
  const f = Fastify(serverOptions)
  await f.register(app, { config: e2e.config, inventory: e2e.inventory, runService: e2e.runService, apiKeys: createApiKeyStore([U]) })
  await f.listen({ port: 0, host: '127.0.0.1' })
  const run = await e2e.start({ clusterids: [clusterId('q')] })
  const url = `http://127.0.0.1:${(f.server.address() as any).port}/api/v1/rolling-maintenance/${run.id}/events`
  const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${U.apiKey}:${U.secretKey}`).toString('base64')}` } })
  console.log('status', res.status, res.headers.get('content-type'))
  const t = Date.now()
  const p = f.close()
  const r = await Promise.race([p.then(() => 'closed'), new Promise((r) => setTimeout(() => r('timeout'), 8000))])
  console.log('close:', r, Date.now() - t)
  await e2e.close()
}, 30000)
