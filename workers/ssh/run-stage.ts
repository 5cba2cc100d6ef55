import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import { StageOutcomeUnknownError } from '../../shared/errors/stage-outcome-unknown-error.js'
import type { HostConfig, StageName } from '../../shared/types.js'
import type { RunnerShell } from './runner-shell.js'
import { stageResultOf } from './runner-reply.js'
import type { StageResult } from './stage-result.js'

export interface RunStageRequest {
  runId: string
  host: HostConfig
  stage: StageName
  payload?: string | undefined
  timeoutSec: number
}

function runnerFailure(host: HostConfig, code: string, detail: string): Error {
  return new Error(
    `the stage runner on host ${host.name} failed (${code}): ${detail || 'no message'}; it needs sh, timeout and tail, and a writable stateDir ${host.stateDir}`
  )
}

/**
 * Starts a stage on the host through its persistent runner, or re-attaches to it if this run already
 * started it there (detached), and waits for its end. Calling it again after a dropped connection
 * never runs the script twice: detached re-attaches, direct answers StageOutcomeUnknownError.
 */
export async function runStage(shell: RunnerShell, req: RunStageRequest): Promise<StageResult> {
  const { host } = req
  const direct = host.executor === 'direct'
  const args = [req.runId, req.stage, String(req.timeoutSec), direct ? 'direct' : 'detached']
  if (req.payload !== undefined) args.push(req.payload)
  const started = Date.now()
  let reply
  try {
    reply = await shell.request('stage', args)
  } catch (err) {
    if (direct && err instanceof SshConnectionLostError) {
      throw new StageOutcomeUnknownError(
        host.id,
        `the connection to host ${host.name} was lost while its ${req.stage} stage ran with executor direct: its outcome is unknown and it is not started again (${err.message})`
      )
    }
    throw err
  }
  const finished = Date.now()
  const timing = {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started
  }
  const result = stageResultOf(reply, timing)
  if (result) return result
  if (reply.kind === 'unknown') {
    throw new StageOutcomeUnknownError(
      host.id,
      `the ${req.stage} stage of this run was already started on host ${host.name} with executor direct and its end was not seen: its outcome is unknown and it is not started again`
    )
  }
  throw runnerFailure(host, `${reply.kind} ${reply.code}`, reply.output.toString('utf8').trim().slice(-300))
}

/** Whether an executable `<Stage>`, `<Stage>.sh` or `<Stage>.py` exists in the hooks directory. */
export async function hasStageScript(shell: RunnerShell, stage: StageName): Promise<boolean> {
  const reply = await shell.request('has', [stage])
  return reply.kind === 'found'
}

/** Removes run directories older than `olderThanDays` from the host's stateDir, in the background on the host. */
export async function cleanupOldRuns(shell: RunnerShell, olderThanDays = 7): Promise<void> {
  await shell.request('clean', [String(olderThanDays)])
}
