import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { loadConfig, type Config } from '../../shared/config.js'
import { buildInventory } from '../../shared/load-inventory.js'
import type { RunView } from '../../shared/run-view.js'
import type { Inventory } from '../../shared/types.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { createRedisKeys, type RedisKeys } from '../../store/keys.js'
import { createWorker, type RollmaintWorker } from '../../workers/create-worker.js'
import { startKvmLab, type KvmLab } from './kvm-lab.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from './redis.js'
import { writeInventory } from './worker-process.js'
import { inventoryDocOf } from './inventory-of.js'

export const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'kvm-admin-key-0123456789',
  secretKey: 'kvm-admin-secret-0123456789-abcdef',
  role: 'admin'
}
const basic = `Basic ${Buffer.from(`${ADMIN.apiKey}:${ADMIN.secretKey}`).toString('base64')}`

/** What the stage scripts on the lab hosts wrote (`t host stage event [detail]`). */
export interface KvmHostLogEntry {
  t: number
  host: string
  stage: string
  event: string
  detail: string
}

export interface RunEventRecord {
  type: string
  data: Record<string, unknown>
}

export interface KvmE2E {
  lab: KvmLab
  inventory: Inventory
  inventoryDoc: unknown
  /** Environment for worker processes (`startWorkerProcess`), inventory file included. */
  env: Record<string, string>
  config: Config
  keys: RedisKeys
  redis: RedisClient
  api: FastifyInstance
  workers: RollmaintWorker[]
  clusterId: string
  hostId(name: string): string
  /** Installs the stage scripts on every lab host (Maintenance records `virsh list` of its host) and empties the host log. */
  installHooks(opts?: { maintenanceSleepSec?: number }): void
  readHostLog(): KvmHostLogEntry[]
  /** POST /api/v1/rolling-maintenance with the admin key. */
  start(
    body: Record<string, unknown>
  ): Promise<{ statusCode: number; body: RunView & { error?: string; message?: string } }>
  getRun(id: string): Promise<RunView>
  waitForRun(id: string, timeoutMs?: number): Promise<RunView>
  events(runId: string): Promise<RunEventRecord[]>
  close(): Promise<void>
}

/**
 * rollmaint through its HTTP API (fastify inject) on the KVM lab: one cluster of lab hosts using
 * the libvirt driver, real workers in this process (or none: the test spawns worker processes).
 */
export async function startKvmE2E(opts: {
  label: string
  hosts: number
  workers?: number
  maintenance?: Record<string, unknown>
  env?: Record<string, string>
}): Promise<KvmE2E> {
  const lab = await startKvmLab({ hosts: opts.hosts })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-kvm-e2e-'))
  const hostLogPath = path.join(dir, 'host.log')
  writeFileSync(hostLogPath, '')
  const clusterId = `cluster-${opts.label}`
  const hostId = (name: string): string => `${opts.label}-${name}`
  const inventoryDoc = inventoryDocOf({
    defaults: {
      user: 'root',
      privateKeyPath: lab.privateKeyPath,
      maintenance: {
        driver: 'libvirt',
        maxParallelMigrations: 2,
        migrationTimeout: 120,
        reserveMemoryPercent: 10,
        ...opts.maintenance
      }
    },
    clusters: [
      {
        id: clusterId,
        name: `kvm-${opts.label}`,
        zone: { id: `zone-${opts.label}`, name: 'lab' },
        pod: { id: `pod-${opts.label}`, name: 'lab' },
        hosts: lab.hosts.map((h) => ({ id: hostId(h.name), name: h.name, ...lab.inventoryHost(h.name) }))
      }
    ]
  })
  const inventory = buildInventory(inventoryDoc, `kvm-e2e:${opts.label}`)
  const prefix = uniquePrefix(`kvm-${opts.label}`)
  const env: Record<string, string> = {
    REDIS_URL: testRedisUrl(),
    ROLLMAINT_KEY_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ROLLMAINT_LEASE_TTL_MS: '2500',
    ROLLMAINT_JOB_LOCK_MS: '3000',
    ROLLMAINT_STALLED_INTERVAL_MS: '1000',
    ...opts.env
  }
  const config = loadConfig(env)
  env.ROLLMAINT_INVENTORY = writeInventory(inventoryDoc)
  const logger = pino({ level: config.logLevel })
  const api = Fastify({ ...serverOptions, logger: false })
  await api.register(app, { config, inventory, apiKeys: createApiKeyStore([ADMIN]) })
  await api.ready()
  const workers: RollmaintWorker[] = []
  for (let i = 0; i < (opts.workers ?? 1); i++) workers.push(await createWorker({ config, inventory, logger }))
  const redis = createRedisConnection(config.redis, 'tool')
  const keys = createRedisKeys(prefix)

  const getRun = async (id: string): Promise<RunView> => {
    const res = await api.inject({
      method: 'GET',
      url: `/api/v1/rolling-maintenance/${id}`,
      headers: { authorization: basic }
    })
    if (res.statusCode !== 200) throw new Error(`GET run ${id}: ${res.statusCode} ${res.body}`)
    return res.json()
  }

  return {
    lab,
    inventory,
    inventoryDoc,
    env,
    config,
    keys,
    redis,
    api,
    workers,
    clusterId,
    hostId,
    installHooks(o = {}) {
      writeFileSync(hostLogPath, '') // a new scenario: only its own entries
      const log = JSON.stringify(hostLogPath)
      const script = [
        '#!/bin/sh',
        `log() { printf '%s %s %s %s\\n' "$(date +%s%3N)" "$ROLLMAINT_HOST_NAME" "$ROLLMAINT_STAGE" "$*" >> ${log}; }`,
        'log start',
        // The VMs libvirt says run on this host while its Maintenance runs (docs/inventory.md#libvirt: none).
        'vms=$(virsh -c qemu:///system list --name | grep . | tr "\\n" "," )',
        'log vms "${vms:-none}"',
        `sleep ${o.maintenanceSleepSec ?? 0.3}`,
        'log end 0',
        ''
      ].join('\n')
      for (const h of lab.hosts) {
        for (const f of readdirSync(h.hooksDir)) rmSync(path.join(h.hooksDir, f), { force: true })
        const file = path.join(h.hooksDir, 'Maintenance')
        writeFileSync(file, script)
        chmodSync(file, 0o755)
      }
    },
    readHostLog() {
      return readFileSync(hostLogPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [t, host, stage, event, ...rest] = line.split(' ')
          return { t: Number(t), host: host!, stage: stage!, event: event!, detail: rest.join(' ') }
        })
    },
    async start(body) {
      const res = await api.inject({
        method: 'POST',
        url: '/api/v1/rolling-maintenance',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: JSON.stringify(body)
      })
      return { statusCode: res.statusCode, body: res.json() }
    },
    getRun,
    async waitForRun(id, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const view = await getRun(id)
        if (view.result && ['succeeded', 'failed', 'cancelled'].includes(view.status)) return view
        if (Date.now() > deadline)
          throw new Error(`run ${id} did not finish within ${timeoutMs} ms: ${JSON.stringify(view)}`)
        await sleep(100)
      }
    },
    async events(runId) {
      const entries = await redis.xrange(keys.runEvents(runId), '-', '+')
      return entries.map(([, fields]) => {
        const f = new Map<string, string>()
        for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!)
        return { type: f.get('type') ?? '', data: JSON.parse(f.get('data') ?? '{}') as Record<string, unknown> }
      })
    },
    async close() {
      await Promise.all(workers.map((w) => w.forceClose()))
      await api.close()
      redis.disconnect()
      await lab.stop()
      rmSync(dir, { recursive: true, force: true })
      await deletePrefix(prefix)
    }
  }
}
