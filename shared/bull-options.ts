import type { JobsOptions } from 'bullmq'

const DAY_S = 24 * 3600

/**
 * Finished BullMQ jobs are bounded (a day, or the last thousand); the run record of our own keeps
 * the result for the retention period, so nothing a user reads depends on a BullMQ job surviving.
 */
export function defaultJobOptions(retentionDays: number): JobsOptions {
  return {
    // Only infrastructure errors throw (a stage failure is a result, not an exception): retry them.
    attempts: 20,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: DAY_S, count: 1000 },
    removeOnFail: { age: retentionDays * DAY_S }
  }
}
