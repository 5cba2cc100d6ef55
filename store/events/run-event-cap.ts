/**
 * How many events a run's stream keeps: bounded by the run's size, not by a fixed count (issue 11,
 * item 10: a fixed 50,000 lost the start of a 10,000-host run, which emits ~90,000). A host cycle
 * emits nine (four stages started and finished, `host.updated`); the rest of the per-host budget is
 * for VM events (four per VM moved out and back) and gate retries. Redis trims only whole stream
 * nodes (`MAXLEN ~`), so a stream may keep a little more than this, never less.
 */
export const EVENTS_PER_HOST = 64

/** Run-level events (start, pause, resume, window waits, finish) on top of the hosts'. */
export const EVENTS_PER_RUN = 1_000

/** The bound of a run recorded before its bound was (runs created by an older version). */
export const DEFAULT_EVENT_CAP = 50_000

export function runEventCap(hosts: number): number {
  return EVENTS_PER_RUN + hosts * EVENTS_PER_HOST
}
