import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { Worker, type Job } from 'bullmq'
import type { Logger } from 'pino'
import { defaultJobOptions } from '../shared/bull-options.js'
import type { Config } from '../shared/config.js'
import { HOSTS_QUEUE, RUNS_QUEUE, workerHostsQueueName } from '../shared/queue-names.js'
import { assertNoEviction, createRedisConnection } from '../store/connection.js'
import { createRedisKeys } from '../store/keys.js'
import { resolveMinReplicas, setReplicaAckPolicy } from '../store/replica-ack.js'
import type { Inventory } from '../shared/types.js'
import type { HostExecutor } from './host-executor.js'
import { CLUSTER_JOB, PREFLIGHT_JOB, type ClusterJobData, type PreflightJobData, type RunJobData } from './job-data.js'
import { makeClusterJobAdder } from './cluster-job-adder.js'
import { startWorkerPresence } from './worker-presence.js'
import { makeRunHeaderCache } from './run-header-cache.js'
import { makeClusterProcessor } from './process-cluster-job.js'
import { makePreflightCluster, makePreflightProcessor } from './process-preflight-job.js'
import { makeRunProcessor } from './process-run-job.js'
import { makeRunFinalizer } from './finalize-run.js'
import { confirmVanishedStages } from './confirm-vanished-stages.js'
import { createPooledExecutor } from './pooled-executor.js'
import { createSshExecutor } from './ssh/create-ssh-executor.js'
import type { WorkerContext } from './worker-context.js'
import { addEventSink } from '../store/events/event-sinks.js'
import { createWebhookPublisher } from '../shared/webhooks/webhook-publisher.js'
import { createWebhookWorker } from './webhooks/create-webhook-worker.js'
import { guardConnectionErrors, openQueue } from '../shared/open-queue.js'

export interface WorkerDeps {
  config: Config
  inventory: Inventory
  logger: Logger
  /** Defaults to SSH; the benchmark passes a simulated executor. */
  executor?: HostExecutor
}

export interface RollmaintWorker {
  workerId: string
  /** Stops taking jobs; finishes each host in hand (never leaving one in maintenance mode), hands the rest over. */
  drain(): Promise<void>
  /** Stops now; leases expire and other workers re-attach to whatever was running. */
  forceClose(): Promise<void>
}

/** Builds a worker process's BullMQ workers and their dependencies; `workers/main.ts` only boots it. */
export async function createWorker({ config, inventory, logger, executor }: WorkerDeps): Promise<RollmaintWorker> {
  const suffix = randomBytes(6).toString('hex')
  const workerId = `${os.hostname()}:${process.pid}:${suffix.slice(0, 6)}`
  // docs/operations.md#cluster-job-affinity: cluster jobs of the clusters whose PreFlight ran here.
  const ownHostsQueue = workerHostsQueueName(suffix)
  const log = logger.child({ workerId })
  const redis = createRedisConnection(config.redis, 'worker', log, { enableAutoPipelining: true })
  try {
    await assertNoEviction(redis)
    const minReplicas = await resolveMinReplicas(redis, config.redis, config.redisMinReplicas)
    setReplicaAckPolicy(redis, { minReplicas, timeoutMs: config.redisAckTimeoutMs })
    log.info({ minReplicas, mode: config.redis.mode }, 'lease and slot writes wait for this many replicas')
  } catch (err) {
    redis.disconnect()
    throw err
  }
  const keys = createRedisKeys(config.keyPrefix)
  // BullMQ on a connection of its own: BullMQ defines its ~50 Lua commands on the connection it is
  // given, and ioredis copies every defined command onto each pipeline it builds, so the store's
  // auto-pipelined writes on that connection cost several times more CPU (issue 12, measured with
  // the overhead scenario's profile). Ordering between the two: see storeBarrier below.
  const bull = createRedisConnection(config.redis, 'worker', log, { connectionName: 'rollmaint-worker-queues' })
  /**
   * Resolves once every store write issued so far has been applied: one connection answers in
   * order, so a PING's reply comes after theirs. A job's writes not waited for (events, metrics)
   * land before BullMQ records its end on the other connection, so a run's events stay in order.
   */
  const storeBarrier = (): Promise<unknown> => redis.ping().catch(() => undefined)
  const draining = new AbortController()
  const hostExecutor = executor ?? createSshExecutor({ logger: log, reattachGraceMs: config.reattachGraceMs })
  const pool = createPooledExecutor(confirmVanishedStages(hostExecutor, { logger: log }), { idleMs: 60_000 })
  const jobOptions = defaultJobOptions(config.runRetentionDays)
  const hostsQueue = openQueue(HOSTS_QUEUE, {
    connection: bull,
    prefix: keys.bullPrefix,
    defaultJobOptions: jobOptions
  })
  const clusterJobs = makeClusterJobAdder({
    redis,
    connection: bull,
    keys,
    defaultJobOptions: jobOptions,
    silentAfterMs: config.leaseTtlMs
  })
  const ctx: WorkerContext = {
    config,
    inventory,
    redis,
    keys,
    executor: pool,
    logger: log,
    workerId,
    hostsQueue,
    ownHostsQueue,
    addClusterJob: (data, opts) => clusterJobs.add(data, opts),
    runsQueueQualifiedName: `${keys.bullPrefix}:${RUNS_QUEUE}`,
    readRunHeader: makeRunHeaderCache(redis, keys),
    draining: draining.signal
  }
  const common = {
    connection: bull,
    prefix: keys.bullPrefix,
    lockDuration: config.jobLockMs,
    stalledInterval: config.stalledIntervalMs,
    // A job whose worker died is handed to another worker; allow that to happen several times.
    maxStalledCount: 10,
    // Recorded on each job (processedBy): which worker process ran it, for operators and fault tests.
    name: workerId
  }
  // One PreFlight of a cluster for both callers: its limit on SSH set-ups at once is the process's.
  const preflightCluster = makePreflightCluster(ctx)
  const finalizer = makeRunFinalizer(ctx)
  const runProcessor = makeRunProcessor(ctx, preflightCluster, finalizer)
  const preflight = makePreflightProcessor(ctx, preflightCluster)
  const cluster = makeClusterProcessor(ctx, finalizer)
  // Attempts that throw are infrastructure errors (a stage failure is a result): logged with their job.
  const logFailures = <T>(w: Worker<T>): Worker<T> => {
    guardConnectionErrors(w)
    w.on('failed', (job, err) =>
      log.error({ jobId: job?.id, queue: w.name, attemptsMade: job?.attemptsMade, err }, 'job attempt failed')
    )
    w.on('error', (err) => log.error({ queue: w.name, err }, 'worker error'))
    return w
  }
  /** A processor whose job ends (done, failed, moved) only after its store writes have landed. */
  const afterStoreWrites =
    <J, R>(processor: (job: J, token?: string) => Promise<R>) =>
    async (job: J, token?: string): Promise<R> => {
      try {
        return await processor(job, token)
      } finally {
        await storeBarrier()
      }
    }
  const runsWorker = logFailures(
    new Worker<RunJobData>(RUNS_QUEUE, afterStoreWrites(runProcessor), { ...common, concurrency: 50 })
  )
  const processHostJob = afterStoreWrites(
    async (job: Job<PreflightJobData | ClusterJobData>, token?: string): Promise<string> => {
      if (job.name === PREFLIGHT_JOB) return preflight(job as typeof job & { data: PreflightJobData })
      if (job.name === CLUSTER_JOB) return cluster(job as typeof job & { data: ClusterJobData }, token)
      throw new Error(`unknown host job ${job.name}`)
    }
  )
  const hostsWorkerOn = (queueName: string): Worker<PreflightJobData | ClusterJobData> =>
    logFailures(
      new Worker<PreflightJobData | ClusterJobData>(queueName, processHostJob, {
        ...common,
        concurrency: config.workerConcurrency
      })
    )
  const hostsWorker = hostsWorkerOn(HOSTS_QUEUE)
  const ownWorker = hostsWorkerOn(ownHostsQueue)
  const presence = startWorkerPresence({
    redis,
    queueConnection: bull,
    keys,
    ownQueue: ownHostsQueue,
    silentAfterMs: config.leaseTtlMs,
    beatMs: Math.max(250, Math.floor(config.leaseTtlMs / 3)),
    scanMs: config.stalledIntervalMs,
    rescue: hostsWorkerOn,
    logger: log
  })
  // Webhooks (docs/api.md#webhooks): events are queued as they are stored; deliveries run in their own BullMQ worker.
  const publisher = createWebhookPublisher(bull, keys.bullPrefix, config.webhooks, log)
  const removeSink =
    config.webhooks.length > 0 ? addEventSink(keys.bullPrefix, (e) => publisher.publish(e)) : () => undefined
  const webhookWorker = createWebhookWorker({
    connection: bull,
    prefix: keys.bullPrefix,
    webhooks: config.webhooks,
    logger: log
  })
  await Promise.all([
    runsWorker.waitUntilReady(),
    hostsWorker.waitUntilReady(),
    ownWorker.waitUntilReady(),
    webhookWorker?.waitUntilReady()
  ])
  log.info({ concurrency: config.workerConcurrency, webhooks: config.webhooks.length }, 'worker ready')

  async function shutdown(force: boolean): Promise<void> {
    draining.abort()
    // Cluster jobs still waiting in this worker's own queue go to the others now, not after the silence.
    await presence.leave().catch((err: unknown) => log.warn({ err }, 'could not mark this worker as leaving'))
    await Promise.all([runsWorker.close(force), hostsWorker.close(force), ownWorker.close(force), presence.stop(force)])
    removeSink()
    // Deliveries in flight are retried by another worker if this one stops before they end.
    await webhookWorker?.close(true)
    await publisher.close()
    await hostsQueue.close()
    await clusterJobs.close()
    pool.closeAll()
    redis.disconnect()
    bull.disconnect()
  }
  return {
    workerId,
    drain: () => shutdown(false),
    forceClose: () => shutdown(true)
  }
}
