import type { MaintenanceWindow } from './controls/maintenance-window.js'

/** Answer of `POST /api/v1/rolling-maintenance` with `dryRun: true` (docs/api.md#operator-controls). Nothing was created. */
export interface DryRunPlan {
  hostsTotal: number
  hostsToMaintain: number
  hostsToSkip: number
  /** False when a real start would be refused (409) or would end at once without touching a host. */
  wouldStart: boolean
  /** Why it would not start, or what else the operator should know; empty when all is well. */
  problems: string[]
  controls: PlanControls
  /** In processing order; up to `maxParallelClusters` of them run at once. */
  clusters: ClusterPlan[]
}

export interface PlanControls {
  forced: boolean
  /** null = unlimited (forced). */
  maxFailures: number | null
  canary?: number | undefined
  soakSeconds: number
  /** Stage timeout in seconds (the request's, or the configured default). */
  timeout: number
  maxParallelClusters: number
  window?:
    (MaintenanceWindow & { openNow: boolean; opensAt?: string | undefined; closesAt?: string | undefined }) | undefined
}

export type MaintenanceDriverKind = 'none' | 'libvirt' | 'cloudstack' | 'command'

/** Whether a cluster (or one host's VMs) fits on the other hosts; `unknown` when it cannot be known without SSH. */
export interface CapacityVerdict {
  verdict: 'fits' | 'does-not-fit' | 'unknown'
  reason: string
}

export interface PlannedMigration {
  vm: string
  /** Target host id and name. */
  to: string
  toName: string
  memoryMiB?: number | undefined
}

export interface EvacuationPreview extends CapacityVerdict {
  migrations: PlannedMigration[]
}

export interface ClusterPlan {
  clusterId: string
  clusterName: string
  order: number
  /** The active run that reserves this cluster (a real start would be refused with 409). */
  activeRunId?: string | undefined
  gate?: string[] | undefined
  gateTimeout?: number | undefined
  /** The driver of the cluster's first host (hosts show their own). */
  maintenanceDriver: MaintenanceDriverKind
  capacity?: CapacityVerdict | undefined
  hosts: HostPlan[]
}

export interface HostPlan {
  hostId: string
  hostName: string
  action: 'maintain' | 'skip'
  reason: string
  maintenanceDriver: MaintenanceDriverKind
  /** libvirt: which VM would go where, when the cluster's VM placement is known. */
  evacuation?: EvacuationPreview | undefined
}
