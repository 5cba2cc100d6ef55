/** The run orchestrator jobs: one per run, a step machine (checks → preflight → clusters → finalize). */
export const RUNS_QUEUE = 'rollmaint-runs'
/** Host work: `preflight` jobs (one per host) and `cluster` jobs (one host at a time, in order). */
export const HOSTS_QUEUE = 'rollmaint-hosts'

/** Webhook deliveries (docs/api.md#operator-controls): one job per event and subscriber, retried with backoff, off the run's path. */
export const WEBHOOKS_QUEUE = 'rollmaint-webhooks'

export const QUEUE_NAMES = [RUNS_QUEUE, HOSTS_QUEUE, WEBHOOKS_QUEUE] as const
