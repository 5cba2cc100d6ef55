/** Payloads of the BullMQ jobs. Small on purpose: everything else is read from the run record. */
export interface RunJobData {
  runId: string
  /** Step-job pattern: where the orchestrator resumes when BullMQ hands the job back. */
  step?: 'start' | 'clusters' | 'finalize'
}

export interface PreflightJobData {
  runId: string
  hostId: string
}

export interface ClusterJobData {
  runId: string
  clusterId: string
  /** Position in the run's cluster plan; cluster i + maxParallelClusters starts when cluster i ends. */
  index: number
  maxParallel: number
}

export const PREFLIGHT_JOB = 'preflight'
export const CLUSTER_JOB = 'cluster'
export const RUN_JOB = 'run'

export const preflightJobId = (runId: string, hostIndex: number): string => `${runId}.pf.${hostIndex}`
export const clusterJobId = (runId: string, index: number): string => `${runId}.cl.${index}`
