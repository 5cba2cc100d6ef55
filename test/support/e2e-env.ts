import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { createRunService } from '../../service/create-run-service.js'
import { loadConfig, type Config } from '../../shared/config.js'
import { buildInventory } from '../../shared/load-inventory.js'
import { inventoryDocOf } from './inventory-of.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { createRedisKeys, type RedisKeys } from '../../store/keys.js'
import type { RunService } from '../../service/run-service.js'
import type { RunView } from '../../shared/run-view.js'
import type { Inventory, RunRequest } from '../../shared/types.js'
import { createWorker, type RollmaintWorker } from '../../workers/create-worker.js'
import { startSshdFleet, type SshdFleet } from './sshd-fleet.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from './redis.js'

export interface ClusterSpec {
  name: string
  hosts: string[]
  zone?: string
  pod?: string
  /** Gate (docs/api.md#gates) of the cluster (argv run on the worker before each host). */
  gate?: string[]
  gateTimeout?: number
  /** The cluster's `maintenance:` block (docs/inventory.md#maintenance-drivers), as written in the inventory file. */
  maintenance?: Record<string, unknown>
}

export interface HostOverrides {
  hypervisor?: string
  enabled?: boolean
  maintenance?: Record<string, unknown>
  executor?: 'detached' | 'direct'
}

export interface E2EOptions {
  label: string
  clusters: ClusterSpec[]
  hostOverrides?: Record<string, HostOverrides>
  /** In-process workers to start (0 when the test spawns worker processes itself). */
  workers?: number
  env?: Record<string, string>
  /** A Redis of the test's own (e.g. one it restarts); defaults to the suite's. */
  redisUrl?: string
  /** Variables selecting a Redis of the test's own by Sentinel or Cluster (REDIS_SENTINELS, ...). */
  redisEnv?: Record<string, string>
}

export interface E2E {
  fleet: SshdFleet
  inventory: Inventory
  /** Inventory document as written to YAML for spawned processes. */
  inventoryDoc: unknown
  config: Config
  env: Record<string, string>
  keys: RedisKeys
  redis: RedisClient
  runService: RunService
  workers: RollmaintWorker[]
  /** Ids follow names: `host-<name>`, `cluster-<name>`, `zone-<name>`, `pod-<name>`. */
  start(request: Partial<RunRequest>): Promise<RunView>
  waitForRun(id: string, timeoutMs?: number): Promise<RunView>
  close(): Promise<void>
}

export const hostId = (name: string): string => `host-${name}`
export const clusterId = (name: string): string => `cluster-${name}`
export const zoneId = (name: string): string => `zone-${name}`
export const podId = (name: string): string => `pod-${name}`

/**
 * A complete rollmaint on real parts: one sshd per host, Redis with a key prefix of its own, the
 * real run service and real workers in this process.
 */
export async function startE2E(opts: E2EOptions): Promise<E2E> {
  const hostNames = opts.clusters.flatMap((c) => c.hosts)
  const fleet = await startSshdFleet({ hosts: hostNames.map((name) => ({ name })) })
  const inventoryDoc = inventoryDocOf({
    defaults: { user: 'root', privateKeyPath: fleet.privateKeyPath },
    clusters: opts.clusters.map(({ name, hosts, zone = 'z1', pod = `${zone}-p1`, ...fields }) => ({
      id: clusterId(name),
      name,
      zone: { id: zoneId(zone), name: zone },
      pod: { id: podId(pod), name: pod },
      ...fields,
      hosts: hosts.map((host) => {
        const h = fleet.hostConfig(host)
        return {
          id: hostId(host),
          name: host,
          address: h.address,
          port: h.port,
          hostKey: h.hostKey,
          hooksDir: h.hooksDir,
          stateDir: h.stateDir,
          bootIdPath: h.bootIdPath,
          ...(opts.hostOverrides?.[host] ?? {})
        }
      })
    }))
  })
  const inventory = buildInventory(inventoryDoc, `e2e:${opts.label}`)
  const prefix = uniquePrefix(opts.label)
  const env: Record<string, string> = {
    // A blank REDIS_URL overrides the suite's, inherited by spawned processes (blank counts as unset).
    ...(opts.redisEnv ? { REDIS_URL: '', ...opts.redisEnv } : { REDIS_URL: opts.redisUrl ?? testRedisUrl() }),
    ROLLMAINT_KEY_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ROLLMAINT_LEASE_TTL_MS: '2500',
    ROLLMAINT_JOB_LOCK_MS: '3000',
    ROLLMAINT_STALLED_INTERVAL_MS: '1000',
    ...opts.env
  }
  const config = loadConfig(env)
  const logger = pino({ level: config.logLevel })
  const runService = await createRunService({ config, inventory, logger })
  const workers: RollmaintWorker[] = []
  for (let i = 0; i < (opts.workers ?? 1); i++) workers.push(await createWorker({ config, inventory, logger }))
  const redis = createRedisConnection(config.redis, 'api')
  redis.on('error', () => undefined) // tests that restart Redis expect refused connections for a while
  const keys = createRedisKeys(prefix)

  const request = (r: Partial<RunRequest>): RunRequest => ({
    zoneids: r.zoneids ?? [],
    podids: r.podids ?? [],
    clusterids: r.clusterids ?? [],
    hostids: r.hostids ?? [],
    forced: r.forced ?? false,
    payload: r.payload,
    timeout: r.timeout,
    maxFailures: r.maxFailures,
    canary: r.canary,
    soakSeconds: r.soakSeconds,
    window: r.window
  })

  return {
    fleet,
    inventory,
    inventoryDoc,
    config,
    env,
    keys,
    redis,
    runService,
    workers,
    start: (r) => runService.createRun(request(r)),
    async waitForRun(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        // Through a Redis failover reads fail for a while: keep asking until the deadline.
        const view = await runService.getRun(id).catch((err: unknown) => {
          if (Date.now() > deadline) throw err
          return undefined
        })
        if (view && view.result && ['succeeded', 'failed', 'cancelled'].includes(view.status)) return view
        if (Date.now() > deadline)
          throw new Error(`run ${id} did not finish within ${timeoutMs} ms: ${JSON.stringify(view)}`)
        await sleep(50)
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.forceClose()))
      await runService.close()
      redis.disconnect()
      await fleet.stop()
      if (!opts.redisUrl && !opts.redisEnv) await deletePrefix(prefix)
    }
  }
}
