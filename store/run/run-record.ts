import { TERMINAL_RUN_STATUSES, type RollingMaintenanceResult, type RunRequest, type RunStatus } from '../../shared/types.js'

/** The run hash `run:<id>` as stored. Dates are ISO strings. */
export interface RunRecord {
  id: string
  status: RunStatus
  request: RunRequest
  createdAt: string
  startedAt?: string | undefined
  finishedAt?: string | undefined
  hostIds: string[]
  clusterIds: string[]
  /** Why no new host may start (a failure without `forced`); set once. */
  stopReason?: string | undefined
  cancelRequested?: boolean | undefined
  /** Clusters that have hosts left after PreFlight, in processing order (set once PreFlight is over). */
  clusterPlan?: string[] | undefined
  result?: RollingMaintenanceResult | undefined
}

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(TERMINAL_RUN_STATUSES)

export function parseRunRecord(hash: Record<string, string>): RunRecord | undefined {
  if (!hash.id) return undefined
  return {
    id: hash.id,
    status: hash.status as RunStatus,
    request: JSON.parse(hash.request ?? '{}') as RunRequest,
    createdAt: hash.createdAt ?? '',
    startedAt: hash.startedAt || undefined,
    finishedAt: hash.finishedAt || undefined,
    hostIds: JSON.parse(hash.hostIds ?? '[]') as string[],
    clusterIds: JSON.parse(hash.clusterIds ?? '[]') as string[],
    stopReason: hash.stopReason || undefined,
    cancelRequested: hash.cancelRequested === '1' || undefined,
    clusterPlan: hash.clusterPlan ? (JSON.parse(hash.clusterPlan) as string[]) : undefined,
    result: hash.result ? (JSON.parse(hash.result) as RollingMaintenanceResult) : undefined,
  }
}
