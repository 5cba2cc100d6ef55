import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'bullmq'
import { guardConnectionErrors, openQueue } from '../../shared/open-queue.js'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOSTS_QUEUE, workerHostsQueueName } from '../../shared/queue-names.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { getClusterJobQueues } from '../../store/run/get-cluster-job-queues.js'
import { routeClusterJob } from '../../store/run/route-cluster-job.js'
import { setPreflightRoute } from '../../store/run/set-preflight-route.js'
import { beatWorkerQueue } from '../../store/worker/beat-worker-queue.js'
import { listSilentWorkerQueues } from '../../store/worker/list-silent-worker-queues.js'
import { startWorkerPresence } from '../../workers/worker-presence.js'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.js'

// docs/operations.md#cluster-job-affinity: a cluster job goes to the worker that ran its cluster's
// PreFlight while that worker beats, and a silent worker's queue is emptied by the others.
const prefix = uniquePrefix('affinity')
const keys = createRedisKeys(prefix)
let redis: RedisClient
const silent = pino({ level: process.env.TEST_LOG ?? 'silent' })

beforeAll(() => {
  // A worker's connection: BullMQ workers are made on it.
  redis = createRedisConnection({ mode: 'single', url: testRedisUrl() }, 'worker', silent)
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

// As the product's workers: errors handled, also those of a worker closed while it still connects.
const quiet = (w: Worker): Worker => guardConnectionErrors(w).on('error', () => undefined)

const route = (runId: string, clusterId: string, index: number, silentAfterMs = 1000) =>
  routeClusterJob(redis, keys, { runId, clusterId, index, silentAfterMs, sharedQueue: HOSTS_QUEUE })

describe('routing a cluster job', () => {
  it('goes to the PreFlight worker while it beats, to the shared queue otherwise, and the first decision holds', async () => {
    const a = workerHostsQueueName('aaaa')
    const gone = workerHostsQueueName('bbbb')
    await beatWorkerQueue(redis, keys, a)
    await beatWorkerQueue(redis, keys, gone, { silentAfterMs: 1000 })
    await setPreflightRoute(redis, keys, 'run-1', 'c1', a)
    await setPreflightRoute(redis, keys, 'run-1', 'c2', gone)
    expect(await route('run-1', 'c1', 0)).toBe(a)
    expect(await route('run-1', 'c2', 1)).toBe(HOSTS_QUEUE)
    // No PreFlight record (every host of the cluster was judged before it started): shared.
    expect(await route('run-1', 'c3', 2)).toBe(HOSTS_QUEUE)
    // A retry of the same add gets the same queue even after its worker fell silent: the job may be
    // in it already, and BullMQ deduplicates job ids only within one queue.
    await beatWorkerQueue(redis, keys, a, { silentAfterMs: 1000 })
    expect(await route('run-1', 'c1', 0)).toBe(a)
    expect(await getClusterJobQueues(redis, keys, 'run-1')).toEqual(
      new Map([
        [0, a],
        [1, HOSTS_QUEUE],
        [2, HOSTS_QUEUE]
      ])
    )
  })

  it('a worker is silent once it has not beaten for the limit, by the Redis clock', async () => {
    const q = workerHostsQueueName('cccc')
    await beatWorkerQueue(redis, keys, q)
    expect((await listSilentWorkerQueues(redis, keys, 300)).map((s) => s.queueName)).not.toContain(q)
    await sleep(400)
    const found = (await listSilentWorkerQueues(redis, keys, 300)).find((s) => s.queueName === q)
    expect(found?.silentMs).toBeGreaterThanOrEqual(300)
  })
})

/** A presence for `own` whose rescue workers record the jobs they run and are kept for inspection. */
function watchingPresence(own: string, silentAfterMs: number) {
  const ran: number[] = []
  const rescued: string[] = []
  const made: Worker[] = []
  const presence = startWorkerPresence({
    redis,
    queueConnection: redis,
    keys,
    ownQueue: own,
    silentAfterMs,
    beatMs: 100,
    scanMs: 100,
    rescue: (name) => {
      rescued.push(name)
      const w = quiet(
        new Worker(
          name,
          async (job) => {
            ran.push((job.data as { n: number }).n)
          },
          { connection: redis, prefix: keys.bullPrefix }
        )
      )
      made.push(w)
      return w
    },
    logger: silent
  })
  return { presence, ran, rescued, made }
}

describe('a silent worker queue', () => {
  it('is consumed by another worker while it holds jobs, and left alone once its worker beats again', async () => {
    const dead = workerHostsQueueName('dddd')
    const own = workerHostsQueueName('eeee')
    const deadQueue = openQueue(dead, { connection: redis, prefix: keys.bullPrefix })
    // The dead worker had two cluster jobs waiting in its queue and then went silent.
    await beatWorkerQueue(redis, keys, dead, { silentAfterMs: 500 })
    await deadQueue.add('cluster', { n: 1 }, { jobId: 'r.cl.0' })
    await deadQueue.add('cluster', { n: 2 }, { jobId: 'r.cl.1' })
    const { presence, ran, rescued, made } = watchingPresence(own, 500)
    try {
      const deadline = Date.now() + 10_000
      while (ran.length < 2 && Date.now() < deadline) await sleep(50)
      expect(ran.sort()).toEqual([1, 2])
      expect(rescued).toEqual([dead])
      // Its own queue beats: never listed as silent, never rescued by itself.
      expect((await listSilentWorkerQueues(redis, keys, 500)).map((s) => s.queueName)).not.toContain(own)
      // The dead worker comes back (it was only slow) with nothing waiting: the rescue worker stops.
      const beating = setInterval(() => void beatWorkerQueue(redis, keys, dead), 100)
      try {
        await sleep(300)
        expect(made.map((w) => w.isRunning())).toEqual([false])
      } finally {
        clearInterval(beating)
      }
    } finally {
      await presence.stop(true)
      await deadQueue.obliterate({ force: true })
      await deadQueue.close()
    }
  })

  it('a live worker whose cluster jobs keep waiting (its slots busy) is helped, and left alone once nothing waits', async () => {
    const busy = workerHostsQueueName('gggg')
    const own = workerHostsQueueName('hhhh')
    const busyQueue = openQueue(busy, { connection: redis, prefix: keys.bullPrefix })
    const beating = setInterval(() => void beatWorkerQueue(redis, keys, busy), 100)
    await beatWorkerQueue(redis, keys, busy)
    await busyQueue.add('cluster', { n: 1 }, { jobId: 'r.cl.0' })
    const { presence, ran, rescued: helped, made } = watchingPresence(own, 5_000)
    try {
      const deadline = Date.now() + 10_000
      while (ran.length < 1 && Date.now() < deadline) await sleep(50)
      expect(ran).toEqual([1])
      expect(helped).toEqual([busy])
      // Nothing waits any more: the helper stops (the busy worker takes its queue back alone).
      const stopped = Date.now() + 5_000
      while (made[0]!.isRunning() && Date.now() < stopped) await sleep(50)
      expect(made[0]!.isRunning()).toBe(false)
    } finally {
      clearInterval(beating)
      await presence.stop(true)
      await busyQueue.obliterate({ force: true })
      await busyQueue.close()
    }
  })

  it('a draining worker leaves at once: its queue is silent without waiting for the limit', async () => {
    const own = workerHostsQueueName('ffff')
    const presence = startWorkerPresence({
      redis,
      queueConnection: redis,
      keys,
      ownQueue: own,
      silentAfterMs: 60_000,
      beatMs: 100,
      scanMs: 100,
      rescue: () => {
        throw new Error('nothing to rescue')
      },
      logger: silent
    })
    await sleep(150)
    expect((await listSilentWorkerQueues(redis, keys, 60_000)).map((s) => s.queueName)).not.toContain(own)
    await presence.leave()
    // It no longer beats after leaving.
    await sleep(250)
    expect((await listSilentWorkerQueues(redis, keys, 60_000)).map((s) => s.queueName)).toContain(own)
    await presence.stop(false)
  })
})
