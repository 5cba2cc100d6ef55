/**
 * What the console reads from the API. The run shape mirrors `GET /api/v1/rolling-maintenance/:id`
 * (docs/api.md) and lets fields added since (the operator controls, docs/api.md#operator-controls) through as optional.
 */
export type { FleetCluster, FleetHost, FleetPod, FleetView, FleetZone } from '../../../shared/fleet-view.js'
export type {
  HostLane,
  RunTimeline,
  StageOutcome,
  StageSpan,
  TimelineEvent,
  LaneStatus
} from '../../../shared/run-timeline.js'

export type Role = 'admin' | 'readonly'

export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled'

export interface RunRequestView {
  zoneids: string[]
  podids: string[]
  clusterids: string[]
  hostids: string[]
  forced: boolean
  payload?: string | undefined
  timeout?: number | undefined
  [more: string]: unknown
}

export interface ClusterProgressView {
  clusterId: string
  clusterName: string
  hostsTotal: number
  hostsDone: number
  currentHostId?: string | undefined
  currentHostName?: string | undefined
  currentStage?: string | undefined
  [more: string]: unknown
}

export interface HostUpdatedView {
  hostid: string
  hostname: string
  startdate: string
  enddate: string
  output: string
  [more: string]: unknown
}

export interface CloudStackResult {
  rollingmaintenance: {
    details: string
    hostsskipped: Array<{ hostid: string; hostname: string; reason: string }>
    hostsupdated: HostUpdatedView[]
    success: boolean
  }
}

export interface RunView {
  id: string
  status: RunStatus
  request: RunRequestView
  createdAt: string
  startedAt?: string | undefined
  finishedAt?: string | undefined
  progress: {
    hostsTotal: number
    hostsDone: number
    hostsUpdated: number
    hostsSkipped: number
    clusters: ClusterProgressView[]
    [more: string]: unknown
  }
  result?: CloudStackResult | undefined
  [more: string]: unknown
}
