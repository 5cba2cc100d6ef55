/** Domain types shared by the run service, the workers and the API, and the value lists they are made of. */
import type { MaintenanceWindow } from './controls/maintenance-window.js'

import type { MaintenanceConfig } from './maintenance-config.js'

export const STAGES = ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance'] as const
export type StageName = (typeof STAGES)[number]

/** A host as the workers see it: the inventory entry with every default applied and `~` expanded. */
export interface HostConfig {
  id: string
  name: string
  address: string
  port: number
  user: string
  /** Absolute path to the private key used to log in. */
  privateKeyPath?: string | undefined
  /** Pinned public host key, `"<type> <base64>"` as in known_hosts / ssh-keyscan output. Preferred. */
  hostKey?: string | undefined
  /** known_hosts file consulted when `hostKey` is not set. */
  knownHostsPath?: string | undefined
  /** Directory holding the stage scripts on the host. */
  hooksDir: string
  /** Directory on the host where the stage runner keeps per-run state (pid, output, exit status). */
  stateDir: string
  /** File read to detect a reboot; Linux default. Tests point it at a file they control. */
  bootIdPath: string
  /**
   * `detached` (default): stages survive dropped connections and worker crashes and are re-attached,
   * never run twice. `direct`: the plain exec channel; a lost connection means an unknown outcome.
   */
  executor: 'detached' | 'direct'
  hypervisor: string
  enabled: boolean
  /**
   * How the host enters and leaves maintenance (docs/inventory.md#maintenance-drivers), defaults applied. The most specific
   * `maintenance:` block wins as a whole: host, else its cluster's, else `defaults`, else `{driver: 'none'}`.
   */
  maintenance: MaintenanceConfig
  zoneId: string
  podId: string
  clusterId: string
}

export interface ClusterConfig {
  id: string
  name: string
  zoneId: string
  podId: string
  /** Host ids in inventory order, which is the processing order. */
  hostIds: string[]
  /** Gate (docs/api.md#gates): argv run on the worker before each host; exit 0 = go. */
  gate?: string[] | undefined
  /** Seconds a gate may keep failing before it is a failure of the stage `Gate` (default 1800). */
  gateTimeout?: number | undefined
}

export interface PodConfig {
  id: string
  name: string
  zoneId: string
  clusterIds: string[]
}

export interface ZoneConfig {
  id: string
  name: string
  podIds: string[]
}

export interface Inventory {
  /** File the inventory was loaded from, for messages. */
  source: string
  zones: Map<string, ZoneConfig>
  pods: Map<string, PodConfig>
  clusters: Map<string, ClusterConfig>
  hosts: Map<string, HostConfig>
}

/** What a client asks for (REST body or CloudStack parameters, normalised). */
export interface RunRequest {
  zoneids: string[]
  podids: string[]
  clusterids: string[]
  hostids: string[]
  forced: boolean
  payload?: string | undefined
  /** Stage timeout in seconds. */
  timeout?: number | undefined
  /** docs/api.md#operator-controls: host failures handled as with forced before the next one stops the run (default 0). */
  maxFailures?: number | undefined
  /** docs/api.md#operator-controls: the run pauses itself once this many hosts are updated. */
  canary?: number | undefined
  /** docs/api.md#operator-controls: a cluster waits this long after a host's PostMaintenance before its next host. */
  soakSeconds?: number | undefined
  /** docs/api.md#operator-controls: new hosts start only inside this window. */
  window?: MaintenanceWindow | undefined
}

/** `paused`: no new host starts until resumed (docs/api.md#operator-controls); hosts already in their cycle finish it. */
export const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
/** A run in one of these has its result and never changes again. */
export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[]
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number]

export interface HostUpdated {
  hostid: string
  hostname: string
  startdate: string
  enddate: string
  output: string
  /** VMs a maintenance driver moved away before the Maintenance script (docs/api.md#the-result); absent for `none`. */
  migrated?: Array<{ vm: string; to: string; durationMs: number }> | undefined
}

export interface HostSkipped {
  hostid: string
  hostname: string
  reason: string
}

/** docs/api.md#the-result, exactly. */
export interface RollingMaintenanceResult {
  rollingmaintenance: {
    details: string
    hostsskipped: HostSkipped[]
    hostsupdated: HostUpdated[]
    success: boolean
  }
}

/** CloudStack's host resource states, as far as rolling maintenance moves them. */
export const HOST_RESOURCE_STATES = [
  'Enabled',
  'Disabled',
  'PrepareForMaintenance',
  'Maintenance',
  'ErrorInMaintenance'
] as const
export type HostResourceState = (typeof HOST_RESOURCE_STATES)[number]
/** States in which a host counts as in (or entering) maintenance mode. */
export const IN_MAINTENANCE_STATES = [
  'PrepareForMaintenance',
  'Maintenance',
  'ErrorInMaintenance'
] as const satisfies readonly HostResourceState[]
