import type { Queue } from 'bullmq'
import type { Logger } from 'pino'
import type { RedisClient } from '../store/connection.js'
import type { Config } from '../shared/config.js'
import type { RedisKeys } from '../store/keys.js'
import type { Inventory } from '../shared/types.js'
import type { HostExecutor } from './host-executor.js'
import type { ClusterJobData } from './job-data.js'
import type { RunHeader } from '../store/run/get-run-header.js'

/** Everything a job processor needs, handed in by `createWorker` (no module-level state). */
export interface WorkerContext {
  config: Config
  inventory: Inventory
  redis: RedisClient
  keys: RedisKeys
  executor: HostExecutor
  logger: Logger
  workerId: string
  hostsQueue: Queue
  /** This process's own hosts queue (docs/operations.md#cluster-job-affinity). */
  ownHostsQueue: string
  /** Adds a cluster job where its hosts' sessions are (the shared queue when their worker is gone). */
  addClusterJob(data: ClusterJobData, opts: { parent: { id: string; queue: string } }): Promise<void>
  /** Qualified name of the runs queue, for `parent` options of child jobs. */
  runsQueueQualifiedName: string
  /** The run's header: request and plan parsed once per run in this process, the status read fresh. */
  readRunHeader(runId: string): Promise<RunHeader | undefined>
  /** Aborted on the first SIGTERM/SIGINT: finish the host in hand, start no new one. */
  draining: AbortSignal
}

export function stageTimeoutSec(ctx: WorkerContext, requested: number | undefined): number {
  return requested ?? ctx.config.stageTimeoutSec
}
