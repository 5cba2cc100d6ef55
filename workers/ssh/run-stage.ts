import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import { StageOutcomeUnknownError } from '../../shared/errors/stage-outcome-unknown-error.js'
import type { HostConfig, StageName } from '../../shared/types.js'
import type { FollowingStage } from '../host-executor.js'
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
    `the stage runner on host ${host.name} failed (${code}): ${detail || 'no message'}; it needs sh, setsid, timeout, sleep and tail, and a writable stateDir ${host.stateDir}`
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

/**
 * A detached stage and the stages the host starts after it on its own (`rm_chain`): one request,
 * one result per stage, in order. A stage the runner did not start (the one before it did not end
 * as its `after` allows) resolves to undefined. Each stage is claimed as if it had been asked for
 * alone, so asking for one of them again re-attaches to it.
 */
export function runStageChain(
  shell: RunnerShell,
  req: RunStageRequest,
  following: readonly FollowingStage[]
): Promise<StageResult | undefined>[] {
  if (req.host.executor === 'direct') throw new Error('a chain of stages needs executor detached')
  const when = { 'exit-0': '0', 'exit-0-or-missing': '0m' } as const
  const replies = shell.requestSeveral('chain', following.length + 1, (nonces) => [
    req.runId,
    String(req.timeoutSec),
    req.payload === undefined ? '-' : 'p',
    req.payload ?? '-',
    nonces[0]!,
    req.stage,
    ...following.flatMap((f, i) => [when[f.after], nonces[i + 1]!, f.stage])
  ])
  // A stage starts when the reply before it arrives: that is its start as the worker sees it.
  let startedAt = Date.now()
  const results = replies.map((reply, i) =>
    reply.then((r) => {
      const finished = Date.now()
      const timing = {
        startedAt: new Date(startedAt).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - startedAt
      }
      startedAt = finished
      if (r.kind === 'held') return undefined
      const result = stageResultOf(r, timing)
      if (result) return result
      const stage = i === 0 ? req.stage : following[i - 1]!.stage
      throw runnerFailure(req.host, `${r.kind} ${r.code} (${stage})`, r.output.toString('utf8').trim().slice(-300))
    })
  )
  // Handled here: a later stage's result may be asked for much later, or never (the cycle stopped).
  for (const r of results) r.catch(() => undefined)
  return results
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
