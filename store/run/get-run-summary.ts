import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { parseRunProgress, type RunProgressCounters } from './run-progress.js'
import type { RollingMaintenanceResult, RunRequest, RunStatus } from '../../shared/types.js'
import { parseRunControls, type RunRecord } from './run-record.js'

/** What the API shows of a run, without its host list or host records (both grow with the run). */
export type RunSummary = Pick<
  RunRecord,
  | 'id'
  | 'status'
  | 'request'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'clusterIds'
  | 'result'
  | 'audit'
  | 'paused'
  | 'retryOf'
  | 'failures'
> & {
  /** docs/api.md#operator-controls: the canary pause has happened. */
  canaryDone: boolean
  progress: RunProgressCounters
}

const FIELDS = [
  'id',
  'status',
  'request',
  'createdAt',
  'startedAt',
  'finishedAt',
  'clusterIds',
  'result',
  'audit',
  'paused',
  'retryOf',
  'failures',
  'canaryDone'
] as const

/** One round trip: the run's small fields and its progress counters. */
export async function getRunSummary(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string
): Promise<RunSummary | undefined> {
  const replies = await redis
    .multi()
    .hmget(keys.run(runId), ...FIELDS)
    .hgetall(keys.runProgress(runId))
    .exec()
  if (!replies) return undefined
  const [[runErr, values], [progressErr, progress]] = replies as [
    [Error | null, Array<string | null>],
    [Error | null, Record<string, string>]
  ]
  if (runErr) throw runErr
  if (progressErr) throw progressErr
  const [
    id,
    status,
    request,
    createdAt,
    startedAt,
    finishedAt,
    clusterIds,
    result,
    audit,
    paused,
    retryOf,
    failures,
    canaryDone
  ] = values
  if (!id || !status) return undefined
  return {
    id,
    status: status as RunStatus,
    request: JSON.parse(request ?? '{}') as RunRequest,
    createdAt: createdAt ?? '',
    startedAt: startedAt || undefined,
    finishedAt: finishedAt || undefined,
    clusterIds: JSON.parse(clusterIds ?? '[]') as string[],
    result: result ? (JSON.parse(result) as RollingMaintenanceResult) : undefined,
    progress: parseRunProgress(progress),
    ...parseRunControls({ audit, paused, retryOf, failures }),
    canaryDone: canaryDone === '1'
  }
}
