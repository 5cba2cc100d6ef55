import type { JobsOptions, Queue } from 'bullmq'
import { HOSTS_QUEUE } from '../shared/queue-names.js'
import type { RedisClient } from '../store/connection.js'
import type { RedisKeys } from '../store/keys.js'
import { routeClusterJob } from '../store/run/route-cluster-job.js'
import { CLUSTER_JOB, clusterJobId, type ClusterJobData } from './job-data.js'
import { openQueue } from '../shared/open-queue.js'

/**
 * Adds cluster jobs to the queue `routeClusterJob` picks: the own queue of the worker that ran the
 * cluster's PreFlight (it keeps the hosts' SSH sessions and runner shells), or the shared hosts
 * queue. One BullMQ `Queue` per target, made on first use and closed with the worker.
 */
export function makeClusterJobAdder(deps: {
  /** The store's connection (the route). */
  redis: RedisClient
  /** BullMQ's. */
  connection: RedisClient
  keys: RedisKeys
  defaultJobOptions: JobsOptions
  /** A worker silent this long is not sent new cluster jobs. */
  silentAfterMs: number
}) {
  const queues = new Map<string, Queue>()
  const queueOf = (name: string): Queue => {
    let q = queues.get(name)
    if (!q) {
      q = openQueue(name, {
        connection: deps.connection,
        prefix: deps.keys.bullPrefix,
        defaultJobOptions: deps.defaultJobOptions
      })
      queues.set(name, q)
    }
    return q
  }
  return {
    async add(data: ClusterJobData, opts: { parent: { id: string; queue: string } }): Promise<void> {
      const target = await routeClusterJob(deps.redis, deps.keys, {
        runId: data.runId,
        clusterId: data.clusterId,
        index: data.index,
        silentAfterMs: deps.silentAfterMs,
        sharedQueue: HOSTS_QUEUE
      })
      // Same id on a retry: BullMQ keeps one job, so a cluster job is never started twice.
      await queueOf(target).add(CLUSTER_JOB, data, {
        jobId: clusterJobId(data.runId, data.index),
        parent: opts.parent,
        ignoreDependencyOnFailure: true
      })
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()))
      queues.clear()
    }
  }
}
