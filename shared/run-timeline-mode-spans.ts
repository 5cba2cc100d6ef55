import type { HostLane, StageSpan } from './run-timeline.js'

/**
 * Entering and leaving maintenance mode (docs/inventory.md#maintenance-drivers: the driver evacuates VMs, which can take longer
 * than any script) have no stage events of their own; their spans are read off the events around
 * them: EnterMaintenance runs from a good PreMaintenance to the Maintenance stage's start,
 * ExitMaintenance from the Maintenance stage's end to the host's outcome. VM events land in the
 * open span's output. Pure, no Node APIs (the browser runs it too).
 */
export const MODE_STAGES = ['EnterMaintenance', 'ExitMaintenance'] as const

/** A mode change that took less than this, with nothing to tell, is not drawn (the `none` driver). */
const SHORTEST_SHOWN_MS = 500

const openSpan = (lane: HostLane, stage: string): number =>
  lane.stages.findIndex((s) => s.stage === stage && s.outcome === 'running')

export function openModeSpan(lane: HostLane, stage: (typeof MODE_STAGES)[number], at: string): void {
  if (openSpan(lane, stage) < 0 && !lane.stages.some((s) => s.stage === stage))
    lane.stages.push({ stage, startedAt: at, outcome: 'running' })
}

/** Ends the open span of `stage`, if any; a short uneventful success is dropped. */
export function closeModeSpan(
  lane: HostLane,
  stage: (typeof MODE_STAGES)[number],
  at: string,
  ok: boolean,
  why?: string
): void {
  const i = openSpan(lane, stage)
  if (i < 0) return
  const span = lane.stages[i]!
  const durationMs = Math.max(0, Date.parse(at) - Date.parse(span.startedAt))
  if (ok && durationMs < SHORTEST_SHOWN_MS && !span.output) {
    lane.stages.splice(i, 1)
    return
  }
  const output = [span.output, why].filter(Boolean).join('\n') || undefined
  const closed: StageSpan = { ...span, finishedAt: at, durationMs, outcome: ok ? 'ok' : 'failed', output }
  lane.stages[i] = closed
}

/** A VM event: one line in the open mode span (there is one while a driver moves VMs). */
export function noteVmEvent(lane: HostLane, line: string): void {
  const i = [openSpan(lane, 'EnterMaintenance'), openSpan(lane, 'ExitMaintenance')].find((n) => n >= 0)
  if (i === undefined) return
  const span = lane.stages[i]!
  lane.stages[i] = { ...span, output: span.output ? `${span.output}\n${line}` : line }
}
