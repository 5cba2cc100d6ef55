import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { stringify } from 'yaml'
import app, { serverOptions } from '../api/app.js'
import { createApiKeyStore } from '../api/auth/api-key-store.js'
import { loadConfig } from '../shared/config.js'
import { loadInventory } from '../shared/load-inventory.js'
import type { RunView } from '../shared/run-view.js'
import { createWorker } from '../workers/create-worker.js'
import { buildSeedInventory } from './build-seed-inventory.js'
import { installDemoHooks, SEED_ZONES } from './seed-fleet.js'
import { startSimFleet } from './sim-ssh-host.js'
import { ensureRedis, freePort } from './start-private-redis.js'
import { Redis } from 'ioredis'

/**
 * `npm run demo`: the seed's second example end to end on one machine. A private Redis if needed,
 * nine simulated hypervisors speaking real SSH, the API and a worker, one rolling maintenance over
 * both zones with live progress, then CloudStack's result. `--keep` leaves it all running.
 */
async function main(): Promise<number> {
  const keep = process.argv.includes('--keep')
  const work = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-demo-'))
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })]
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))

  try {
    const redis = await ensureRedis(process.env.REDIS_URL)
    cleanups.push(() => redis.stop())
    const hostsSpec = SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts))
    const fleet = await startSimFleet({ hosts: hostsSpec.map((h) => ({ name: h.name })), baseDir: path.join(work, 'hosts') })
    cleanups.push(() => fleet.stop())
    installDemoHooks(fleet)
    const inventoryPath = path.join(work, 'inventory.yaml')
    writeFileSync(inventoryPath, stringify(buildSeedInventory(fleet)))
    const admin = { name: 'demo-admin', apiKey: randomBytes(18).toString('base64url'), secretKey: randomBytes(36).toString('base64url'), role: 'admin' as const }
    const keysPath = path.join(work, 'api-keys.yaml')
    writeFileSync(keysPath, stringify([admin]), { mode: 0o600 })
    const prefix = `demo-${randomBytes(4).toString('hex')}`
    const port = await freePort()
    const config = loadConfig({
      REDIS_URL: redis.url,
      ROLLMAINT_KEY_PREFIX: prefix,
      ROLLMAINT_INVENTORY: inventoryPath,
      ROLLMAINT_API_KEYS: keysPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    })
    cleanups.push(async () => {
      if (redis.private) return
      const r = new Redis(redis.url)
      for (let cursor = '0', first = true; first || cursor !== '0'; first = false) {
        const [next, keys] = await r.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) await r.del(...keys)
      }
      r.disconnect()
    })
    // Logs go to a file so that the progress lines stay readable.
    const logFile = path.join(keep ? os.tmpdir() : work, `rollmaint-demo-${prefix}.log`)
    const logger = pino({ level: config.logLevel }, createWriteStream(logFile))
    const inventory = loadInventory(inventoryPath)
    const worker = await createWorker({ config, inventory, logger })
    cleanups.push(() => worker.forceClose())
    const api = Fastify({ ...serverOptions, loggerInstance: logger as FastifyBaseLogger })
    await api.register(app, { config, inventory, apiKeys: createApiKeyStore([admin]) })
    await api.listen({ host: config.host, port: config.port })
    cleanups.push(() => api.close())

    const base = `http://127.0.0.1:${port}`
    const auth = `Basic ${Buffer.from(`${admin.apiKey}:${admin.secretKey}`).toString('base64')}`
    console.log(`rollmaint demo: 2 zones, 3 clusters, 9 simulated KVM hosts speaking SSH; API on ${base}`)
    const res = await fetch(`${base}/api/v1/rolling-maintenance`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ zoneids: SEED_ZONES.map((z) => z.id).join(',') }),
    })
    if (res.status !== 202) throw new Error(`starting the run failed: ${res.status} ${await res.text()}`)
    const { id } = (await res.json()) as { id: string }
    console.log(`run ${id} started over zone1 and zone2`)
    const started = Date.now()
    let last = ''
    let view: RunView
    for (;;) {
      view = (await (await fetch(`${base}/api/v1/rolling-maintenance/${id}`, { headers: { authorization: auth } })).json()) as RunView
      const line = view.progress.clusters
        .map((c) => `${c.clusterName} ${c.hostsDone}/${c.hostsTotal}${c.currentHostName ? ` ${c.currentHostName.replace('ref-trl-', '')}:${c.currentStage}` : ''}`)
        .join(' | ')
      const text = `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${view.status.padEnd(9)} ${line}`
      if (line !== last) console.log(text)
      last = line
      if (view.result) break
      await sleep(100)
    }
    console.log(JSON.stringify(view.result, null, 2))
    const ok = view.result!.rollingmaintenance.success
    if (keep) {
      console.log(`\nstill running (Ctrl-C to stop):\n  API         ${base}/api/v1/rolling-maintenance\n  Bull Board  ${base}/admin/queues\n  apiKey      ${admin.apiKey}\n  secretKey   ${admin.secretKey}\n  logs        ${logFile}`)
      await new Promise(() => undefined)
    }
    await cleanup()
    return ok ? 0 : 1
  } catch (err) {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
    await cleanup()
    return 1
  }
}

void main().then((code) => process.exit(code))
