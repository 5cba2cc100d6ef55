import type { StageName } from './types.js'

/** Where a host is in its run. Persisted after every step so a worker taking over resumes there. */
export type HostPhase =
  | 'pending'
  | 'PreFlight'
  | 'ready'
  | StageName
  | 'EnterMaintenance'
  | 'ExitMaintenance'
  | 'done'

/** One host's record inside a run (Redis hash `run:<id>:hosts`, field = host id, value = JSON). */
export interface HostRunState {
  hostId: string
  hostName: string
  clusterId: string
  phase: HostPhase
  /** Set when the host finished its Maintenance stage successfully (spec 3.5.6). */
  updated?: { startdate: string; enddate: string; output: string; seq: number } | undefined
  /** Set when the host is listed in `hostsskipped`. */
  skipped?: { reason: string; seq: number } | undefined
  /** A failure that fails the run (not forced). */
  failure?: { stage: string; message: string } | undefined
  /** Maintenance mode was entered at (ISO); kept to report startdate after a takeover. */
  startdate?: string | undefined
  /** Result of the Maintenance stage, kept between the stage and the exit from maintenance mode. */
  maintenance?: { ok: boolean; output: string; reason?: string | undefined } | undefined
  /** Host could not be taken out of maintenance mode: its cluster stopped. */
  stuckInMaintenance?: string | undefined
}

export function parseHostRunState(json: string): HostRunState {
  return JSON.parse(json) as HostRunState
}
