import type { GateWait } from '../../shared/controls/gate-wait.js'
/** docs/api.md#operator-controls: a failing gate is retried every 10 s up to `gateTimeout`, then it is a failure of the stage `Gate`. */
export const GATE_RETRY_MS = 10_000
export const DEFAULT_GATE_TIMEOUT_SEC = 1800

export type GateStep = { kind: 'pass' } | { kind: 'retry'; at: number } | { kind: 'fail'; message: string }

/**
 * After an attempt: pass on exit 0; otherwise retry in 10 s while that is still before the deadline;
 * otherwise give up with a message naming the attempts and the last output. Pure.
 */
export function gateStep(
  wait: GateWait,
  exitCode: number | null,
  now: number,
  timeoutSec: number,
  retryMs = GATE_RETRY_MS
): GateStep {
  if (exitCode === 0) return { kind: 'pass' }
  const deadline = wait.since + timeoutSec * 1000
  const at = now + retryMs
  if (at <= deadline) return { kind: 'retry', at }
  const last = exitCode === null ? 'did not exit normally' : `exited ${exitCode}`
  const output = wait.output.trim()
  return {
    kind: 'fail',
    message: `gate not passed within ${timeoutSec} s (${wait.attempts} attempt${wait.attempts === 1 ? '' : 's'}; last ${last})${output ? `: ${output}` : ''}`
  }
}
