import type { StageName } from './types.js'

/** The host's identity inside a run: on every record, whatever its phase. */
export interface HostIdentity {
  hostId: string
  hostName: string
  clusterId: string
}

/** One VM the maintenance driver moved off the host (docs/api.md#the-result); `to` is the target host id. */
export interface MigrationRecord {
  vm: string
  to: string
  durationMs: number
}

/** What a host's evacuation has done so far, saved after every VM event so a takeover knows. */
export interface EvacuationRecord {
  /** `vm.migrating` announced, outcome not seen yet. */
  announced: Array<{ vm: string; to: string }>
  migrated: MigrationRecord[]
}

/** The host finished its Maintenance stage successfully (docs/user-guide.md#the-host-cycle). */
export interface HostUpdatedRecord {
  startdate: string
  enddate: string
  output: string
  seq: number
  /** VMs moved off the host when it entered maintenance (docs/api.md#the-result), listed in its `hostsupdated` entry. */
  migrated?: MigrationRecord[] | undefined
}

/** The host is listed in `hostsskipped`. */
export interface HostSkippedRecord {
  reason: string
  seq: number
  /** Set when the host was skipped because a step failed (forced or within maxFailures): a retry takes it again. */
  failedStep?: string | undefined
}

/** A failure that fails the run (not forced). `stage` is a step name (`PreFlight`, `EnterMaintenance`, `Host check`, ...). */
export interface HostFailureRecord {
  stage: string
  message: string
}

/** Result of the Maintenance stage, kept between the stage and the exit from maintenance mode. */
export type MaintenanceResult = { ok: true; output: string } | { ok: false; output: string; reason: string }

/**
 * One host's record inside a run (Redis hash `run:<id>:hosts`, field = host id, value = JSON),
 * persisted after every step so a worker taking over resumes there. Each phase carries exactly
 * what resuming it needs:
 * - `pending` → `PreFlight` → `ready`: before the cycle (PreFlight jobs run side by side);
 * - `PreMaintenance`: the host holds its cluster's maintenance slot (resource state PrepareForMaintenance);
 * - `EnterMaintenance`: the maintenance driver evacuates the host; `enter` is idempotent, so a
 *   worker taking over simply calls it again;
 * - `Maintenance`: in maintenance mode since `startdate`; the stage script runs;
 * - `ExitMaintenance`: the stage is over (`maintenance`); the driver gives the host back;
 * - `PostMaintenance`: out of maintenance mode; `updated` is the host's `hostsupdated` entry;
 * - `done`: finished; the optional records say how.
 */
export type HostRunState =
  | (HostIdentity & { phase: 'pending' })
  | (HostIdentity & { phase: 'PreFlight' })
  | (HostIdentity & { phase: 'ready' })
  | (HostIdentity & { phase: 'PreMaintenance' })
  | (HostIdentity & { phase: 'EnterMaintenance'; evacuation?: EvacuationRecord | undefined })
  | (HostIdentity & { phase: 'Maintenance'; startdate: string; migrated?: MigrationRecord[] | undefined })
  | (HostIdentity & {
      phase: 'ExitMaintenance'
      startdate: string
      maintenance: MaintenanceResult
      migrated?: MigrationRecord[] | undefined
    })
  | (HostIdentity & { phase: 'PostMaintenance'; updated: HostUpdatedRecord })
  | HostDone

export interface HostDone extends HostIdentity {
  phase: 'done'
  updated?: HostUpdatedRecord | undefined
  skipped?: HostSkippedRecord | undefined
  failure?: HostFailureRecord | undefined
  /** Host could not be taken out of maintenance mode: its cluster stopped. */
  stuckInMaintenance?: string | undefined
  /** When its cycle ended (ISO), for the cluster's soak (docs/api.md#operator-controls soakSeconds) after a takeover too. */
  finishedAt?: string | undefined
}

export type HostPhase = HostRunState['phase']

/** Every phase, in cycle order; the Lua side gets its lists from here (`store/lua-constants.ts`). */
export const HOST_PHASES = [
  'pending',
  'PreFlight',
  'ready',
  'PreMaintenance',
  'EnterMaintenance',
  'Maintenance',
  'ExitMaintenance',
  'PostMaintenance',
  'done'
] as const satisfies readonly HostPhase[]

/** Phases in which the host is the one its cluster works on (shown as the cluster's current host). */
export const CYCLE_PHASES = [
  'PreMaintenance',
  'EnterMaintenance',
  'Maintenance',
  'ExitMaintenance',
  'PostMaintenance'
] as const satisfies readonly HostPhase[]
export type CyclePhase = (typeof CYCLE_PHASES)[number]

/** Steps that can fail a host: the four stages, the driver's two and the cluster's gate (docs/api.md#operator-controls). */
export type CycleStep = StageName | 'EnterMaintenance' | 'ExitMaintenance' | 'Gate'

export function identityOf(state: HostRunState): HostIdentity {
  return { hostId: state.hostId, hostName: state.hostName, clusterId: state.clusterId }
}

/** The host's `hostsupdated` entry, if it has one by now (kept through a later PostMaintenance failure). */
export function updatedOf(state: HostRunState): HostUpdatedRecord | undefined {
  return state.phase === 'PostMaintenance' || state.phase === 'done' ? state.updated : undefined
}

export function parseHostRunState(json: string): HostRunState {
  return JSON.parse(json) as HostRunState
}
