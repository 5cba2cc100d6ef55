import type { AuditEntry, PauseState } from './run-audit.js'
import type { HostResourceState, RollingMaintenanceResult, RunRequest, RunStatus, StageName } from './types.js'

/** What the API shows of a run (spec 5: `GET /api/v1/rolling-maintenance/:id`). */
export interface RunView {
  id: string
  status: RunStatus
  request: RunRequest
  createdAt: string
  startedAt?: string | undefined
  finishedAt?: string | undefined
  progress: RunProgress
  result?: RollingMaintenanceResult | undefined
  /** Spec 9: the run this one retries. */
  retryOf?: string | undefined
  /** Spec 9: which key started, paused, resumed, cancelled or retried the run, in order. */
  audit: AuditEntry[]
}

export interface RunProgress {
  hostsTotal: number
  hostsDone: number
  hostsUpdated: number
  hostsSkipped: number
  clusters: ClusterProgress[]
  /** One line on what holds the run back, if anything: paused, waiting for the window. */
  message?: string | undefined
  paused?: PauseState | undefined
  /** Host failures so far and how many are allowed before the run stops (null = unlimited, forced). */
  failures: { count: number; max: number | null }
  canary?: { size: number; reached: boolean } | undefined
  window?: { open: boolean; opensAt?: string | undefined; closesAt?: string | undefined } | undefined
}

/** Why a cluster does not start its next host right now (spec 9). */
export type ClusterWait =
  | { kind: 'paused' }
  | { kind: 'window'; opensAt: string }
  | { kind: 'soak'; until: string }
  | { kind: 'gate'; since: string; attempts: number; lastExitCode: number | null; output: string; giveUpAt: string }

export interface ClusterProgress {
  clusterId: string
  clusterName: string
  hostsTotal: number
  hostsDone: number
  /** Host being worked on, if any. */
  currentHostId?: string | undefined
  currentHostName?: string | undefined
  currentStage?: StageName | 'EnterMaintenance' | 'ExitMaintenance' | undefined
  waiting?: ClusterWait | undefined
}

export interface HostView {
  id: string
  name: string
  zoneId: string
  podId: string
  clusterId: string
  hypervisor: string
  resourceState: HostResourceState
  /** The run that last changed the state, if any. */
  runId?: string | undefined
  since?: string | undefined
}
