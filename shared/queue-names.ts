/** The run orchestrator jobs: one per run, a step machine (checks → preflight → clusters → finalize). */
export const RUNS_QUEUE = 'rollmaint-runs'
/** Host work: `preflight` jobs (one per cluster) and `cluster` jobs (one host at a time, in order). */
export const HOSTS_QUEUE = 'rollmaint-hosts'

/**
 * Each worker process's own hosts queue (`rollmaint-hosts.w.<random>`): cluster jobs routed to the
 * worker that holds their hosts' SSH sessions (docs/operations.md#cluster-job-affinity).
 */
export const workerHostsQueueName = (suffix: string): string => `${HOSTS_QUEUE}.w.${suffix}`

/** Webhook deliveries (docs/api.md#operator-controls): one job per event and subscriber, retried with backoff, off the run's path. */
export const WEBHOOKS_QUEUE = 'rollmaint-webhooks'

export const QUEUE_NAMES = [RUNS_QUEUE, HOSTS_QUEUE, WEBHOOKS_QUEUE] as const
