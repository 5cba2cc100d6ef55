import { setTimeout as sleep } from 'node:timers/promises'
import { Queue, Worker } from 'bullmq'
import { pino } from 'pino'
import { ensureRedis } from '../demo/start-private-redis.js'
import { createRedisConnection, type RedisClient } from '../store/connection.js'
import { createRedisKeys } from '../store/keys.js'
import { holdClusterLease, type HeldLease } from '../workers/hold-cluster-lease.js'

/**
 * `npx tsx bench/lock-cost.ts`: what keeping a dead worker's clusters moving within 15 s costs
 * Redis (issue 12 item 4). 10,000 hosts as 1,000 clusters of 10 means at most 1,000 cluster jobs
 * held at once; each holds a BullMQ job lock and a cluster lease, both renewed while it runs. This
 * holds 1,000 of them in 4 workers for a measured window, once with the old settings (lease 15 s,
 * lock 30 s, stalled check 30 s) and once with the new defaults (6 s, 8 s, 2 s), and reports
 * Redis CPU and commands per second. Nothing else runs on that Redis prefix meanwhile.
 */
const CLUSTERS = 1000
const WORKERS = 4
const WINDOW_MS = Number(process.env.LOCK_COST_WINDOW_MS ?? 20_000)

interface Setting {
  name: string
  leaseTtlMs: number
  jobLockMs: number
  stalledIntervalMs: number
}

const SETTINGS: Setting[] = [
  {
    name: 'before (lease 15 s, lock 30 s, stalled 30 s)',
    leaseTtlMs: 15_000,
    jobLockMs: 30_000,
    stalledIntervalMs: 30_000
  },
  { name: 'now (lease 6 s, lock 8 s, stalled 2 s)', leaseTtlMs: 6_000, jobLockMs: 8_000, stalledIntervalMs: 2_000 }
]

async function redisCounters(admin: RedisClient): Promise<{ cpuMs: number; calls: number }> {
  const cpu = await admin.info('cpu')
  const stats = await admin.info('commandstats')
  const cpuMs = ['used_cpu_sys', 'used_cpu_user'].reduce(
    (sum, k) => sum + Number(new RegExp(`${k}:([\\d.]+)`).exec(cpu)?.[1] ?? 0) * 1000,
    0
  )
  const calls = [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  return { cpuMs, calls }
}

async function measure(
  url: string,
  setting: Setting
): Promise<{ setting: string; redisCpuMsPerSec: number; redisCallsPerSec: number }> {
  const target = { mode: 'single' as const, url }
  const keys = createRedisKeys(`lock-cost-${Date.now()}`)
  const admin = createRedisConnection(target, 'tool')
  const queueConn = createRedisConnection(target, 'worker')
  const queue = new Queue('rollmaint-hosts', { connection: queueConn, prefix: keys.bullPrefix })
  const logger = pino({ level: 'silent' })
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let held = 0
  const workers: Array<{ worker: Worker; redis: RedisClient }> = []
  for (let w = 0; w < WORKERS; w++) {
    const redis = createRedisConnection(target, 'worker')
    const worker = new Worker(
      'rollmaint-hosts',
      async (job) => {
        const lease: HeldLease = await holdClusterLease(
          { redis, keys, ttlMs: setting.leaseTtlMs, logger },
          `c${job.id}`,
          `w${w}/${job.id}`
        )
        held += 1
        await gate
        await lease.release()
      },
      {
        connection: redis,
        prefix: keys.bullPrefix,
        concurrency: CLUSTERS / WORKERS,
        lockDuration: setting.jobLockMs,
        stalledInterval: setting.stalledIntervalMs,
        maxStalledCount: 10
      }
    )
    workers.push({ worker, redis })
  }
  await queue.addBulk(
    Array.from({ length: CLUSTERS }, (_, i) => ({ name: 'cluster', data: {}, opts: { jobId: String(i) } }))
  )
  while (held < CLUSTERS) await sleep(100)
  // Let every periodic timer run at least once before the window opens.
  await sleep(Math.max(setting.stalledIntervalMs, setting.jobLockMs / 2, setting.leaseTtlMs / 3) + 500)
  const before = await redisCounters(admin)
  await sleep(WINDOW_MS)
  const after = await redisCounters(admin)
  release()
  await Promise.all(workers.map(({ worker }) => worker.close()))
  await queue.obliterate({ force: true }).catch(() => undefined)
  await queue.close()
  for (const { redis } of workers) redis.disconnect()
  queueConn.disconnect()
  admin.disconnect()
  const seconds = WINDOW_MS / 1000
  return {
    setting: setting.name,
    // The counters' own INFO calls are 2 of these.
    redisCallsPerSec: Math.round((after.calls - before.calls - 2) / seconds),
    redisCpuMsPerSec: Number(((after.cpuMs - before.cpuMs) / seconds).toFixed(2))
  }
}

const redis = await ensureRedis(process.env.REDIS_URL)
try {
  const rows = []
  for (const s of SETTINGS) {
    process.stderr.write(
      `lock cost: ${CLUSTERS} clusters held by ${WORKERS} workers, ${s.name}, ${WINDOW_MS / 1000} s window\n`
    )
    rows.push(await measure(redis.url, s))
  }
  process.stdout.write(
    `${JSON.stringify({ clusters: CLUSTERS, workers: WORKERS, windowMs: WINDOW_MS, rows }, null, 2)}\n`
  )
} finally {
  await redis.stop()
}
