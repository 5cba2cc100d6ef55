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
}

export interface RunProgress {
  hostsTotal: number
  hostsDone: number
  hostsUpdated: number
  hostsSkipped: number
  clusters: ClusterProgress[]
}

export interface ClusterProgress {
  clusterId: string
  clusterName: string
  hostsTotal: number
  hostsDone: number
  /** Host being worked on, if any. */
  currentHostId?: string | undefined
  currentHostName?: string | undefined
  currentStage?: StageName | 'EnterMaintenance' | 'ExitMaintenance' | undefined
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
