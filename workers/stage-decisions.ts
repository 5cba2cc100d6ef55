import type { CycleStep } from '../shared/host-run-state.js'
import type { StageName } from '../shared/types.js'
import type { StageResult } from './ssh/stage-result.js'

/** Exit status meaning "no maintenance needed" (docs/stage-scripts.md), honoured for PreFlight and PreMaintenance only. */
export const EXIT_NO_MAINTENANCE = 70

export type StageVerdict =
  | { kind: 'ok'; output: string }
  | { kind: 'no-script' }
  | { kind: 'avoid'; output: string }
  | { kind: 'failed'; message: string }

/** docs/user-guide.md#preflight: the reason strings are CloudStack's. */
export const SKIP_REASONS = {
  preflightAvoid: 'Pre-flight stage set to avoid maintenance',
  premaintenanceAvoid: 'Pre-maintenance stage set to avoid maintenance',
  noMaintenanceScript: 'There is no maintenance script on the host'
} as const

const FAILED_PREFIX: Record<CycleStep, string> = {
  PreFlight: 'Pre-flight script failed: ',
  PreMaintenance: 'PreMaintenance script failed: ',
  EnterMaintenance: 'EnterMaintenance failed: ',
  Maintenance: 'Maintenance script failed: ',
  ExitMaintenance: 'ExitMaintenance failed: ',
  PostMaintenance: 'Post-maintenance script failed: ',
  Gate: 'Gate failed: '
}

export function failureReason(stage: CycleStep, message: string): string {
  return FAILED_PREFIX[stage] + message
}

function describeOutput(output: string): string {
  const trimmed = output.trim()
  return trimmed === '' ? '(no output)' : trimmed
}

/**
 * Pure mapping of a stage result to what the orchestrator does with it (docs/stage-scripts.md#exit-statuses, docs/user-guide.md#the-host-cycle). A reboot
 * is a success only for Maintenance, whose script may reboot the host on purpose.
 */
export function judgeStage(stage: StageName, result: StageResult): StageVerdict {
  switch (result.kind) {
    case 'missing':
      return { kind: 'no-script' }
    case 'timeout':
      return {
        kind: 'failed',
        message: `timed out, its process tree on the host was killed; output: ${describeOutput(result.output)}`
      }
    case 'vanished':
      if (stage === 'Maintenance' && result.bootIdChanged) return { kind: 'ok', output: result.output }
      return {
        kind: 'failed',
        message: result.bootIdChanged
          ? `the host rebooted during ${stage}; output: ${describeOutput(result.output)}`
          : `the script disappeared without an exit status; output: ${describeOutput(result.output)}`
      }
    case 'exited':
      if (result.bootIdChanged) {
        // A reboot's shutdown kills the script, so its recorded status says little: for Maintenance
        // the reboot itself is the expected end (issue: "counts as completed once SSH answers again").
        if (stage === 'Maintenance') return { kind: 'ok', output: result.output }
        return {
          kind: 'failed',
          message: `the host rebooted during ${stage}; output: ${describeOutput(result.output)}`
        }
      }
      if (result.exitCode === 0) return { kind: 'ok', output: result.output }
      if (result.exitCode === EXIT_NO_MAINTENANCE && (stage === 'PreFlight' || stage === 'PreMaintenance')) {
        return { kind: 'avoid', output: result.output }
      }
      return { kind: 'failed', message: `exit status ${result.exitCode}; output: ${describeOutput(result.output)}` }
  }
}

/** An error from reaching the host (unreachable, auth, host key) as a stage failure message. */
export function connectionFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code
  const message = err instanceof Error ? err.message : String(err)
  return typeof code === 'string' ? `${code}: ${message}` : message
}
