import type { PauseReason } from './run-event.js'

/** docs/api.md#operator-controls: every run record names the key that started, paused, resumed, cancelled or retried it. */
export type AuditAction = 'started' | 'paused' | 'resumed' | 'cancelled' | 'retried'

export interface AuditEntry {
  action: AuditAction
  /** The API key's name; absent when rollmaint itself acted (the canary pause). */
  by?: string | undefined
  /** ISO time. */
  at: string
  reason?: string | undefined
  /** `retried`: the new run. */
  runId?: string | undefined
}

/** A paused run: why, by whom, since when. */
export interface PauseState {
  reason: PauseReason
  by?: string | undefined
  at: string
}
