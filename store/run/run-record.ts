import type { AuditEntry, PauseState } from '../../shared/run-audit.js'
import {
  TERMINAL_RUN_STATUSES,
  type RollingMaintenanceResult,
  type RunRequest,
  type RunStatus
} from '../../shared/types.js'

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
  /** docs/api.md#operator-controls: who did what to the run (the `audit` field, a JSON array appended by Lua). */
  audit: AuditEntry[]
  /** docs/api.md#operator-controls: set while `status` is `paused`. */
  paused?: PauseState | undefined
  /** docs/api.md#operator-controls: the run this one retries. */
  retryOf?: string | undefined
  /** Host failures so far (maxFailures budget), across PreFlight, host checks and cycles. */
  failures: number
}

/** The control fields of the run hash, parsed the same way for the record and the summary. Pure. */
export function parseRunControls(hash: {
  audit?: string | null
  paused?: string | null
  retryOf?: string | null
  failures?: string | null
}): Pick<RunRecord, 'audit' | 'paused' | 'retryOf' | 'failures'> {
  return {
    audit: hash.audit ? (JSON.parse(hash.audit) as AuditEntry[]) : [],
    paused: hash.paused ? (JSON.parse(hash.paused) as PauseState) : undefined,
    retryOf: hash.retryOf || undefined,
    failures: Number(hash.failures ?? 0) || 0
  }
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
    ...parseRunControls(hash)
  }
}
