/**
 * Every Redis key rollmaint writes, in one place. All share one hash tag (`{prefix}`) so multi-key
 * Lua scripts and BullMQ's own keys stay in a single Redis Cluster slot.
 */
export interface RedisKeys {
  /** BullMQ `prefix` option. */
  bullPrefix: string
  run(runId: string): string
  runHosts(runId: string): string
  runEvents(runId: string): string
  /** Progress counters of a run (`shared/run-progress.ts`). */
  runProgress(runId: string): string
  /** Where a run's cluster jobs go: the queue of the worker that ran each cluster's PreFlight, and the queue each cluster job was added to. */
  runRoutes(runId: string): string
  runIndex(): string
  /** Which active run holds a cluster (the 409 check). */
  clusterRun(clusterId: string): string
  /** The maintenance lease of a cluster: who may put one of its hosts into maintenance. */
  clusterLease(clusterId: string): string
  /** Monotonic fencing counter of the lease. */
  clusterFence(clusterId: string): string
  /** Host id currently in maintenance in the cluster, if any. */
  clusterInMaintenance(clusterId: string): string
  /** Last VM/memory snapshot of a libvirt cluster (what the dry run plans with, no SSH). */
  clusterCapacity(clusterId: string): string
  host(hostId: string): string
  /** Live worker processes: their own hosts queue, scored by their last heartbeat (Redis time, ms). */
  workerQueues(): string
  /** Stage duration histogram, aggregated by every worker (buckets, sum, count per stage and outcome). */
  metricsStageDurations(): string
  /** SSH connection failures by error code. */
  metricsSshFailures(): string
  /** A mutating `/client/api` request already run (its signature), kept until it expires. */
  signedRequest(signatureHex: string): string
}

export function createRedisKeys(prefix: string): RedisKeys {
  const tag = `{${prefix}}`
  return {
    bullPrefix: tag,
    run: (id) => `${tag}:run:${id}`,
    runHosts: (id) => `${tag}:run:${id}:hosts`,
    runEvents: (id) => `${tag}:run:${id}:events`,
    runProgress: (id) => `${tag}:run:${id}:progress`,
    runRoutes: (id) => `${tag}:run:${id}:routes`,
    runIndex: () => `${tag}:runs`,
    clusterRun: (id) => `${tag}:cluster:${id}:run`,
    clusterLease: (id) => `${tag}:cluster:${id}:lease`,
    clusterFence: (id) => `${tag}:cluster:${id}:fence`,
    clusterInMaintenance: (id) => `${tag}:cluster:${id}:maintenance`,
    clusterCapacity: (id) => `${tag}:cluster:${id}:capacity`,
    host: (id) => `${tag}:host:${id}`,
    workerQueues: () => `${tag}:worker-queues`,
    metricsStageDurations: () => `${tag}:metrics:stage-durations`,
    metricsSshFailures: () => `${tag}:metrics:ssh-failures`,
    signedRequest: (hex) => `${tag}:cs-request:${hex}`
  }
}
