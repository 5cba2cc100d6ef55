import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import type { HostConfig, StageName } from '../../shared/types.js'
import type { HostConnection } from './connect-host.js'
import { CLEANUP_PROGRAM, DIRECT_PROGRAM, RUNNER_PROGRAM, runnerCommand } from './remote-runner.js'
import type { StageResult } from './stage-result.js'

export interface RunStageRequest {
  runId: string
  host: HostConfig
  stage: StageName
  payload?: string | undefined
  timeoutSec: number
  onOutput?: ((chunk: Buffer) => void) | undefined
}

const STATUS_RE = /ROLLMAINT-STATUS (\w+) (\S+) (\S+) (\S+)\s*$/

function now(): { startedAt: string; finishedAt: string; durationMs: number } {
  const t = new Date().toISOString()
  return { startedAt: t, finishedAt: t, durationMs: 0 }
}

/** Parses the runner's reply (see remote-runner.ts for the protocol). Exported for unit tests. */
export function parseRunnerReply(stdout: Buffer, stderr: Buffer, timing: { startedAt: string; finishedAt: string; durationMs: number } = now()): StageResult | undefined {
  const m = STATUS_RE.exec(stderr.toString('utf8'))
  if (!m) return undefined
  const [, kind, code, bootAtStart, bootNow] = m as unknown as [string, string, string, string, string]
  const output = stdout.subarray(Math.max(0, stdout.length - 65536)).toString('utf8')
  const bootIdChanged = bootAtStart !== '-' && bootAtStart !== bootNow
  if (kind === 'missing') return { kind: 'missing' }
  if (kind === 'vanished') return { kind: 'vanished', output, bootIdChanged }
  if (kind === 'timeout') return { kind: 'timeout', output, ...timing, bootIdChanged }
  return { kind: 'exited', exitCode: Number(code), output, ...timing, bootIdChanged }
}

/**
 * Starts a stage on the host, or re-attaches to it if this run already started it there, and waits
 * for its end. Calling it again after a dropped connection never runs the script twice.
 */
export async function runStage(conn: HostConnection, req: RunStageRequest): Promise<StageResult> {
  const { host } = req
  const direct = host.executor === 'direct'
  const args = direct
    ? [host.hooksDir, req.stage, String(req.timeoutSec), req.runId, host.id, host.name]
    : [host.stateDir, req.runId, host.id, req.stage, host.hooksDir, String(req.timeoutSec), host.bootIdPath, host.name]
  if (req.payload !== undefined) args.push(req.payload)
  const started = Date.now()
  const reply = await conn.exec(runnerCommand(direct ? DIRECT_PROGRAM : RUNNER_PROGRAM, args), { onStdout: req.onOutput })
  const finished = Date.now()
  const timing = { startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(), durationMs: finished - started }
  const result = parseRunnerReply(reply.stdout, reply.stderr, timing)
  if (result) return result
  if (reply.code === null) {
    throw new SshConnectionLostError(host.id, `connection to host ${host.name} ended before the ${req.stage} stage reported`)
  }
  const detail = reply.stderr.toString('utf8').trim().slice(-500)
  throw new Error(`the stage runner on host ${host.name} failed (exit ${reply.code}): ${detail || 'no message'}; it needs sh, setsid and flock, and a writable stateDir ${host.stateDir}`)
}

/** Removes run directories older than `olderThanDays` from the host's stateDir. */
export async function cleanupOldRuns(conn: HostConnection, host: HostConfig, olderThanDays = 7): Promise<void> {
  await conn.exec(runnerCommand(CLEANUP_PROGRAM, [host.stateDir, String(olderThanDays)]))
}
