import { windowState, type MaintenanceWindow } from '../../shared/controls/maintenance-window.js'

/** What a cluster knows at the boundary before its next host (controls never act inside a cycle). */
export interface BoundaryInput {
  now: number
  cancelled: boolean
  /** A failure without `forced` (or past maxFailures) stopped the run. */
  stopReason?: string | undefined
  draining: boolean
  paused: boolean
  /** Epoch ms until which the cluster soaks after its previous host (docs/api.md#operator-controls soakSeconds). */
  soakUntil?: number | undefined
  window?: MaintenanceWindow | undefined
}

export type BoundaryDecision =
  | { kind: 'stop'; why: 'cancelled' | 'stopped' }
  | { kind: 'hand-over' }
  | { kind: 'wait'; reason: 'paused' | 'soak' | 'window'; until: number }
  /** Start the host (after its gate, if the cluster has one). */
  | { kind: 'go' }

/** How long a paused cluster sleeps before it looks again; resume wakes it at once. */
export const PAUSE_RECHECK_MS = 60_000
/** Long waits (a window that opens next week) are cut into slices so cancel and config changes are seen. */
export const MAX_WAIT_SLICE_MS = 300_000

/**
 * The order matters: a stopped or cancelled run ends before anything waits; a draining worker hands
 * over rather than sleeping; pause beats soak and window (resume must not start a host outside the
 * window, so those are checked again after it). Pure.
 */
export function decideAtBoundary(i: BoundaryInput): BoundaryDecision {
  if (i.cancelled) return { kind: 'stop', why: 'cancelled' }
  if (i.stopReason) return { kind: 'stop', why: 'stopped' }
  if (i.draining) return { kind: 'hand-over' }
  if (i.paused) return { kind: 'wait', reason: 'paused', until: i.now + PAUSE_RECHECK_MS }
  if (i.soakUntil !== undefined && i.soakUntil > i.now)
    return { kind: 'wait', reason: 'soak', until: Math.min(i.soakUntil, i.now + MAX_WAIT_SLICE_MS) }
  if (i.window) {
    const w = windowState(i.window, new Date(i.now))
    if (!w.open) {
      const opens = w.opensAt?.toMillis() ?? i.now + MAX_WAIT_SLICE_MS
      return { kind: 'wait', reason: 'window', until: Math.min(opens, i.now + MAX_WAIT_SLICE_MS) }
    }
  }
  return { kind: 'go' }
}

/** What the worker driving a cluster knows at the boundary without reading the run. */
export interface OwnBoundaryInput {
  now: number
  draining: boolean
  /** The run pauses after a canary: whether it is due needs the run's count of updated hosts. */
  canary: boolean
  /** The cluster has a gate: a command to run first. */
  gate: boolean
  soakUntil?: number | undefined
  window?: MaintenanceWindow | undefined
}

/**
 * Whether the next host may start without the boundary being read: what the worker knows alone
 * says go, and everything else decideAtBoundary looks at (cancel, stop, pause, a wait or gate
 * shown) can be checked by the slot claim itself (claimMaintenanceSlotIfQuiet). Pure.
 */
export function goesWithoutReading(i: OwnBoundaryInput): boolean {
  if (i.canary || i.gate) return false
  const { now, draining, soakUntil, window } = i
  return decideAtBoundary({ now, cancelled: false, draining, paused: false, soakUntil, window }).kind === 'go'
}
