import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { stringify } from 'yaml'
import app, { serverOptions } from '../api/app.js'
import { createApiKeyStore, type ApiUser } from '../api/auth/api-key-store.js'
import { createRunService } from '../service/create-run-service.js'
import { loadConfig, type Config } from '../shared/config.js'
import { deleteKeyPrefix } from '../store/delete-key-prefix.js'
import { buildInventory } from '../shared/load-inventory.js'
import { createLogger } from '../shared/logger.js'
import type { RunService } from '../service/run-service.js'
import type { RunView } from '../shared/run-view.js'
import type { Inventory } from '../shared/types.js'

export const BENCH_USER: ApiUser = {
  name: 'bench',
  apiKey: 'bench-key-0123456789',
  secretKey: 'bench-secret-0123456789',
  role: 'admin'
}
export const AUTH = {
  authorization: `Basic ${Buffer.from(`${BENCH_USER.apiKey}:${BENCH_USER.secretKey}`).toString('base64')}`
}
const ROOT = path.resolve(import.meta.dirname, '..')

export interface BenchApi {
  config: Config
  inventory: Inventory
  inventoryPath: string
  env: Record<string, string>
  runService: RunService
  fastify: FastifyInstance
  base: string
  close(): Promise<void>
}

/** The real API over real HTTP, on a key prefix of its own. */
export async function startBenchApi(
  redisUrl: string,
  doc: unknown,
  extraEnv: Record<string, string> = {}
): Promise<BenchApi> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-bench-'))
  const inventoryPath = path.join(dir, 'inventory.yaml')
  writeFileSync(inventoryPath, stringify(doc))
  const env = {
    REDIS_URL: redisUrl,
    ROLLMAINT_KEY_PREFIX: `bench-${Math.random().toString(36).slice(2, 8)}`,
    ROLLMAINT_INVENTORY: inventoryPath,
    LOG_LEVEL: 'warn',
    ...extraEnv
  }
  const config = loadConfig(env)
  const inventory = buildInventory(doc, inventoryPath)
  const logger = createLogger('warn')
  const runService = await createRunService({ config, inventory, logger })
  const fastify = Fastify(serverOptions)
  await fastify.register(app, { config, inventory, runService, apiKeys: createApiKeyStore([BENCH_USER]) })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`
  return {
    config,
    inventory,
    inventoryPath,
    env,
    runService,
    fastify,
    base,
    async close() {
      await fastify.close()
      await runService.close()
      await deleteKeyPrefix(redisUrl, config.keyPrefix)
    }
  }
}

export async function startRun(api: BenchApi, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${api.base}/api/v1/rolling-maintenance`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (res.status !== 202) throw new Error(`start failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}

export async function getRun(api: BenchApi, id: string): Promise<RunView> {
  return (await (await fetch(`${api.base}/api/v1/rolling-maintenance/${id}`, { headers: AUTH })).json()) as RunView
}

/** A worker OS process: `workers/main.ts` (SSH) or the simulated one. */
export async function startWorkerProcess(
  entry: 'workers/main.ts' | 'bench/sim-worker.ts',
  env: Record<string, string>
): Promise<ChildProcess> {
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the worker processes (written when they exit on SIGTERM).
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF)]
    : []
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', () => reject(new Error(`${entry} exited`)))
  })
  return child
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export const median = (values: number[]): number => percentile(values, 50)
