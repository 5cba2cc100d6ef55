/** Payloads of the BullMQ jobs. Small on purpose: everything else is read from the run record. */
export interface RunJobData {
  runId: string
  /** Step-job pattern: where the orchestrator resumes when BullMQ hands the job back. */
  step?: 'start' | 'clusters' | 'finalize'
}

/** PreFlight of one cluster's hosts of the run, in parallel: their SSH sessions stay in one worker. */
export interface PreflightJobData {
  runId: string
  clusterId: string
  /** The cluster's hosts that are pending in the run, in inventory order. */
  hostIds: string[]
}

export interface ClusterJobData {
  runId: string
  clusterId: string
  /** Position in the run's cluster plan; cluster i + maxParallelClusters starts when cluster i ends. */
  index: number
  maxParallel: number
  /**
   * The host expected to start first (the first ready one in inventory order when the job was
   * added), asked ahead before the job's first reads (issue 12). Only a hint: the reads decide.
   */
  firstHostId?: string
}

export const PREFLIGHT_JOB = 'preflight'
export const CLUSTER_JOB = 'cluster'
export const RUN_JOB = 'run'

/** `clusterIndex`: the cluster's place in the run's `clusterIds`. */
export const preflightJobId = (runId: string, clusterIndex: number): string => `${runId}.pf.${clusterIndex}`
export const clusterJobId = (runId: string, index: number): string => `${runId}.cl.${index}`
