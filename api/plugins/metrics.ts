import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Registry } from 'prom-client'
import { ownBucketPart, STAGE_BUCKETS } from '../../shared/metrics/stage-buckets.js'
import type { Config } from '../../shared/config.js'
import { IN_MAINTENANCE_STATES, type HostResourceState } from '../../shared/types.js'
import { createRedisKeys } from '../../store/keys.js'
import { readSshFailures, readStageDurations } from '../../store/metrics/read-metrics.js'
import { countRunsByStatus } from '../../store/run/count-runs-by-status.js'
import { listSilentWorkerQueues } from '../../store/worker/list-silent-worker-queues.js'
import { HOSTS_QUEUE } from '../../shared/queue-names.js'
import { openQueue } from '../../shared/open-queue.js'

const IN_MAINTENANCE = new Set<HostResourceState>(IN_MAINTENANCE_STATES)
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const

/**
 * `/metrics` in Prometheus text format (readonly keys). Cluster-wide: API and workers are separate
 * processes, so everything is read from Redis at scrape time: workers aggregate stage durations and
 * SSH failures there. The stage histogram arrives pre-aggregated, so its exposition is written here.
 */
export default async function metrics(fastify: FastifyInstance, opts: { config: Config }): Promise<void> {
  const keys = createRedisKeys(opts.config.keyPrefix)
  const redis = fastify.redis
  const registry = new Registry()

  new Gauge({
    name: 'rollmaint_runs',
    help: 'Runs by status (runs still within the retention period, newest 1000)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      for (const [status, n] of await countRunsByStatus(redis, keys, 1000)) this.set({ status }, n)
    }
  })
  new Gauge({
    name: 'rollmaint_hosts_in_maintenance',
    help: 'Hosts in PrepareForMaintenance, Maintenance or ErrorInMaintenance',
    registers: [registry],
    async collect() {
      this.set((await fastify.runService.listHosts()).filter((h) => IN_MAINTENANCE.has(h.resourceState)).length)
    }
  })
  new Gauge({
    name: 'rollmaint_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const q of fastify.queues) {
        const counts = await q.getJobCounts(...QUEUE_STATES)
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n)
      }
      // The workers' own queues (docs/operations.md#cluster-job-affinity), added up under one name:
      // they come and go with worker processes.
      const total = Object.fromEntries(QUEUE_STATES.map((state) => [state, 0]))
      for (const { queueName } of await listSilentWorkerQueues(redis, keys, 0)) {
        const q = openQueue(queueName, { connection: redis, prefix: keys.bullPrefix })
        try {
          for (const [state, n] of Object.entries(await q.getJobCounts(...QUEUE_STATES))) total[state]! += n
        } finally {
          await q.close()
        }
      }
      for (const [state, n] of Object.entries(total)) this.set({ queue: `${HOSTS_QUEUE}.w.*`, state }, n)
    }
  })
  new Gauge({
    name: 'rollmaint_workers',
    help: 'Worker processes by heartbeat: live, or silent (dead, stalled or drained) and not yet forgotten',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const all = await listSilentWorkerQueues(redis, keys, 0)
      const silent = all.filter((w) => w.silentMs >= opts.config.leaseTtlMs).length
      this.set({ state: 'live' }, all.length - silent)
      this.set({ state: 'silent' }, silent)
    }
  })
  new Counter({
    name: 'rollmaint_ssh_connection_failures_total',
    help: 'SSH connection failures seen by workers, by error code',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const [kind, n] of await readSshFailures(redis, keys)) this.inc({ kind }, n)
    }
  })

  async function stageHistogram(): Promise<string> {
    const raw = await readStageDurations(redis, keys)
    const series = new Map<string, Map<string, string>>()
    for (const [field, value] of Object.entries(raw)) {
      const [stage, outcome, part] = field.split('|')
      const id = `stage="${stage}",outcome="${outcome}"`
      if (!series.has(id)) series.set(id, new Map())
      series.get(id)!.set(part!, value)
    }
    const lines = [
      '# HELP rollmaint_stage_duration_seconds Stage script durations by stage and outcome',
      '# TYPE rollmaint_stage_duration_seconds histogram'
    ]
    for (const [id, parts] of [...series].sort()) {
      // Stored per bucket: Prometheus wants each `le` to count everything at or below it. A bare
      // bound is an older version's cumulative count, added as it is.
      let below = 0
      for (const le of [...STAGE_BUCKETS.map(String), '+Inf']) {
        below += Number(parts.get(ownBucketPart(le)) ?? 0)
        lines.push(`rollmaint_stage_duration_seconds_bucket{${id},le="${le}"} ${below + Number(parts.get(le) ?? 0)}`)
      }
      lines.push(`rollmaint_stage_duration_seconds_sum{${id}} ${parts.get('sum') ?? 0}`)
      lines.push(`rollmaint_stage_duration_seconds_count{${id}} ${parts.get('count') ?? 0}`)
    }
    return `${lines.join('\n')}\n`
  }

  fastify.get(
    '/metrics',
    { schema: { tags: ['metrics'], summary: 'Prometheus metrics (text format)' } },
    async (_request, reply) => {
      const text = (await registry.metrics()) + (await stageHistogram())
      return reply.type(registry.contentType).send(text)
    }
  )
}
