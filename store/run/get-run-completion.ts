import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { PROGRESS_FIELDS } from './run-progress.js'
import type { RunStatus } from '../../shared/types.js'

export interface RunCompletion {
  status: RunStatus | undefined
  stopped: boolean
  cancelled: boolean
  /** Hosts of the run, and those whose record is `done`, from the progress counters. */
  hosts: number
  done: number
}

/**
 * Whether a run may have nothing left to do, in one round trip of two small hashes, whatever the
 * run's size: the run's status, stop and cancel, and its progress counters (never its host records).
 */
export async function getRunCompletion(redis: RedisClient, keys: RedisKeys, runId: string): Promise<RunCompletion> {
  const replies = await redis
    .multi()
    .hmget(keys.run(runId), 'status', 'stopReason', 'cancelRequested')
    .hmget(keys.runProgress(runId), PROGRESS_FIELDS.hosts, PROGRESS_FIELDS.done)
    .exec()
  const [[runErr, run], [progressErr, progress]] = (replies ?? [
    [null, []],
    [null, []]
  ]) as [[Error | null, Array<string | null>], [Error | null, Array<string | null>]]
  if (runErr) throw runErr
  if (progressErr) throw progressErr
  const [status, stopReason, cancel] = run
  const count = (v: string | null | undefined): number => Number(v ?? 0) || 0
  return {
    status: (status ?? undefined) as RunStatus | undefined,
    stopped: Boolean(stopReason),
    cancelled: cancel === '1',
    hosts: count(progress[0]),
    done: count(progress[1])
  }
}
