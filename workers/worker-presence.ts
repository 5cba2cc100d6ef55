import type { Queue, Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RedisClient } from '../store/connection.js'
import type { RedisKeys } from '../store/keys.js'
import { beatWorkerQueue } from '../store/worker/beat-worker-queue.js'
import { forgetWorkerQueue } from '../store/worker/forget-worker-queue.js'
import { listSilentWorkerQueues } from '../store/worker/list-silent-worker-queues.js'
import { openQueue } from '../shared/open-queue.js'

/** A silent queue found empty is dropped from the registry after this long (see forgetQuietly). */
const FORGET_AFTER_MS = 3_600_000
const OPEN_STATES = ['active', 'wait', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const

export interface WorkerPresence {
  /** Draining: marks the own queue silent now, so other workers take what still waits in it. */
  leave(): Promise<void>
  /** Stops the heartbeat and the scan, and closes the rescue workers (`force` as Worker.close). */
  stop(force: boolean): Promise<void>
}

/**
 * docs/operations.md#cluster-job-affinity. Beats for this worker's own hosts queue, and looks after
 * the queues of the others: while a silent worker's queue (SIGKILLed, stalled or drained) holds
 * jobs, a rescue worker in this process consumes it, so a cluster job routed to a worker that died
 * is run by another one (its stalled check hands over the job that was active, once its lock
 * expires); a live worker's queue whose jobs keep waiting (all its slots busy) is helped the same
 * way. Several workers may consume one queue at once: BullMQ hands each job to one of them.
 */
export function startWorkerPresence(deps: {
  redis: RedisClient
  /** BullMQ's connection, for the queues it counts (not the store's). */
  queueConnection: RedisClient
  keys: RedisKeys
  ownQueue: string
  /** Silent this long: dead for routing and rescue (the cluster lease TTL). */
  silentAfterMs: number
  beatMs: number
  scanMs: number
  rescue: (queueName: string) => Worker
  logger: Logger
}): WorkerPresence {
  const { redis, keys, logger } = deps
  const rescuers = new Map<string, Worker>()
  const counters = new Map<string, Queue>()
  /** Live workers' queues that had jobs waiting at the last scan. */
  const backlogged = new Set<string>()
  let stopped = false
  let alive = true

  const beat = (): void => {
    if (stopped || !alive) return
    beatWorkerQueue(redis, keys, deps.ownQueue).catch((err: unknown) => logger.warn({ err }, 'worker heartbeat failed'))
  }

  const counterOf = (name: string): Queue => {
    let q = counters.get(name)
    if (!q) {
      q = openQueue(name, { connection: deps.queueConnection, prefix: keys.bullPrefix })
      counters.set(name, q)
    }
    return q
  }

  async function closeRescuer(name: string, force: boolean): Promise<void> {
    const w = rescuers.get(name)
    rescuers.delete(name)
    await w?.close(force)
  }

  // Only when it has been silent long enough that no cluster job can still be on its way to it:
  // a job is routed to a queue only while its worker beats (store/run/route-cluster-job.ts).
  async function forgetQuietly(name: string, silentMs: number): Promise<void> {
    if (silentMs < FORGET_AFTER_MS) return
    await counterOf(name).obliterate()
    await forgetWorkerQueue(redis, keys, name, FORGET_AFTER_MS)
    await counters.get(name)?.close()
    counters.delete(name)
    logger.info({ queue: name }, 'forgot the queue of a worker silent for an hour')
  }

  async function scan(): Promise<void> {
    // Every other worker's queue with its silence (a limit of 0 lists them all).
    const others = (await listSilentWorkerQueues(redis, keys, 0)).filter((q) => q.queueName !== deps.ownQueue)
    const known = new Set(others.map((q) => q.queueName))
    for (const name of [...rescuers.keys()]) if (!known.has(name)) await closeRescuer(name, false)
    for (const { queueName, silentMs } of others) {
      if (stopped) return
      const counts = await counterOf(queueName).getJobCounts(...OPEN_STATES)
      if (stopped) return
      const open = Object.values(counts).reduce((a, b) => a + b, 0)
      const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0)
      if (silentMs >= deps.silentAfterMs) {
        backlogged.delete(queueName)
        if (open > 0 && !rescuers.has(queueName)) {
          logger.info({ queue: queueName, silentMs, counts }, 'taking over the jobs of a silent worker')
          rescuers.set(queueName, deps.rescue(queueName))
        } else if (open === 0) {
          if (rescuers.has(queueName)) await closeRescuer(queueName, false)
          await forgetQuietly(queueName, silentMs)
        }
        continue
      }
      // A live worker with cluster jobs waiting two scans in a row has all its slots busy: help it
      // rather than let those clusters wait (they lose their sessions, not their turn); it takes its
      // queue back alone once nothing waits. A worker that beats again after a silence, too.
      if (waiting > 0 && backlogged.has(queueName) && !rescuers.has(queueName)) {
        logger.info({ queue: queueName, counts }, 'helping a busy worker with the cluster jobs waiting for it')
        rescuers.set(queueName, deps.rescue(queueName))
      } else if (waiting === 0 && rescuers.has(queueName)) await closeRescuer(queueName, false)
      if (waiting > 0) backlogged.add(queueName)
      else backlogged.delete(queueName)
    }
  }

  let scanning: Promise<void> | undefined
  const scanTick = (): void => {
    if (stopped || scanning) return
    scanning = scan()
      .catch((err: unknown) => logger.warn({ err }, 'scan of silent workers failed'))
      .finally(() => (scanning = undefined))
  }

  beat()
  const beatTimer = setInterval(beat, deps.beatMs)
  const scanTimer = setInterval(scanTick, deps.scanMs)
  beatTimer.unref()
  scanTimer.unref()

  return {
    async leave() {
      alive = false
      await beatWorkerQueue(redis, keys, deps.ownQueue, { silentAfterMs: deps.silentAfterMs })
    },
    async stop(force) {
      stopped = true
      clearInterval(beatTimer)
      clearInterval(scanTimer)
      await scanning
      await Promise.all([...rescuers.keys()].map((name) => closeRescuer(name, force)))
      await Promise.all([...counters.values()].map((q) => q.close()))
      counters.clear()
    }
  }
}
