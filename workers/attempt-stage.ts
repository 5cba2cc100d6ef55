import type { RedisClient } from '../store/connection.js'
import type { Logger } from 'pino'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import { stageOutputTail } from '../shared/run-timeline.js'
import type { HostConfig, StageName } from '../shared/types.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { appendEvents } from '../store/events/append-events.js'
import type { EventWithWrite } from '../store/events/events-with-write.js'
import type { RedisKeys } from '../store/keys.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import { histogramArgs, recordStageDuration } from '../store/metrics/record-stage-duration.js'
import type { FollowingStage, HostExecutor, HostSession, OpenOptions } from './host-executor.js'
import { connectionFailure, judgeStage, type StageVerdict } from './stage-decisions.js'

export interface AttemptDeps {
  redis: RedisClient
  keys: RedisKeys
  executor: HostExecutor
}

export interface AttemptRun {
  id: string
  payload?: string | undefined
  timeoutSec: number
}

/**
 * Records a stage.finished that attemptStage handed back when no write took it: not waited for,
 * best effort (progress display and metrics never fail the maintenance itself).
 */
export function recordFinished(
  deps: Pick<AttemptDeps, 'redis' | 'keys'>,
  runId: string,
  finished: EventWithWrite | undefined
): void {
  if (finished) void appendEvents(deps.redis, deps.keys, runId, [finished])
}

/**
 * `judged`: the stage ran (or was re-attached) to its end and has a verdict. `unconfirmed`: the
 * host could not be reached or followed to the stage's end, so its outcome is unknown; what that
 * means depends on the stage (PreFlight: a failure; inside maintenance: the host is stuck).
 */
export type StageAttempt = { kind: 'judged'; verdict: StageVerdict } | { kind: 'unconfirmed'; message: string }

/**
 * Runs one stage on a host, the same way for PreFlight and for the host cycle: opens a session if
 * none is given, announces the stage, runs or re-attaches to it and judges the result. Returns the
 * session to keep using (undefined after a connection failure: it was closed) and, for a judged
 * stage, its stage.finished event (`finished`), which the caller records (see above).
 */
export async function attemptStage(
  deps: AttemptDeps,
  run: AttemptRun,
  host: HostConfig,
  stage: StageName,
  session: HostSession | undefined,
  log: Logger,
  opts: {
    openOptions?: OpenOptions | undefined
    /** A session already being opened for this attempt (its failure is this attempt's). */
    opening?: Promise<HostSession> | undefined
    /** Stages the host may start after this one on its own (StageRequest.followedBy). */
    followedBy?: readonly FollowingStage[] | undefined
    /** Its stage.started event was written already (with the caller's previous write). */
    announced?: boolean | undefined
  } = {}
): Promise<{ attempt: StageAttempt; session: HostSession | undefined; finished?: EventWithWrite | undefined }> {
  const { redis, keys } = deps
  const startedAt = Date.now()
  const where = { hostId: host.id, hostName: host.name, clusterId: host.clusterId, stage }
  try {
    // Not waited for: one connection keeps commands in order, so it lands before stage.finished, and
    // the stage does not start a round trip later (issue 12: time between stages).
    if (!opts.announced) void emitRunEvent(redis, keys, run.id, 'stage.started', where)
    if (!session) session = await (opts.opening ?? deps.executor.open(host, opts.openOptions))
    const result = await session.runStage({
      runId: run.id,
      stage,
      payload: run.payload,
      timeoutSec: run.timeoutSec,
      followedBy: opts.followedBy
    })
    const exitCode = result.kind === 'exited' ? result.exitCode : null
    // The executor's own timing where it has one: a stage the host started by itself after the one
    // before (a chain) ran from that one's end, not from when this worker came to ask for it.
    const durationMs = 'durationMs' in result ? result.durationMs : Date.now() - startedAt
    log.info({ stage, result: result.kind, exitCode, durationMs }, 'stage finished')
    const verdict = judgeStage(stage, result)
    const outcome = result.kind === 'timeout' ? 'timeout' : verdict.kind
    const data = { ...where, result: result.kind, exitCode, durationMs, output: stageOutputTail(result) }
    // Not recorded here: the caller's next write appends it, with its histogram count, in the same
    // step (issue 12), or recordFinished does when that write is another (a skip, a failure).
    const [prefix, seconds, part] = histogramArgs(stage, outcome, durationMs / 1000)
    const finished: EventWithWrite = {
      type: 'stage.finished',
      data,
      histogram: [String(prefix), Number(seconds), String(part)]
    }
    return { attempt: { kind: 'judged', verdict }, session, finished }
  } catch (err) {
    if (err instanceof LeaseLostError) throw err
    await recordSshFailure(redis, keys, err)
    await recordStageDuration(redis, keys, stage, 'unreachable', (Date.now() - startedAt) / 1000)
    session?.close()
    log.error({ stage, err }, 'stage could not be run or followed to its end')
    return { attempt: { kind: 'unconfirmed', message: connectionFailure(err) }, session: undefined }
  }
}
