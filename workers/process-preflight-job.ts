import type { Job } from 'bullmq'
import type { HostRunState } from '../shared/host-run-state.js'
import type { PreflightJobData } from './job-data.js'
import { connectionFailure, failureReason, judgeStage, SKIP_REASONS } from './stage-decisions.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { getHostRunState } from '../store/host/get-host-run-state.js'
import { getRunStop } from '../store/run/get-run-stop.js'
import { nextRunSeq } from '../store/run/next-run-seq.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import { recordStageDuration } from '../store/metrics/record-stage-duration.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { stopRun } from '../store/run/stop-run.js'
import { stageTimeoutSec, type WorkerContext } from './worker-context.js'
import { getRunHeader } from '../store/run/get-run-header.js'
import { stageOutputTail } from '../shared/run-timeline.js'

/**
 * PreFlight on one host (spec 3.4). All of a run's PreFlight jobs are queued at once and run in
 * parallel across workers; the orchestrator looks at their records only when every one has ended.
 */
export function makePreflightProcessor(ctx: WorkerContext) {
  const { redis, keys } = ctx
  return async function processPreflightJob(job: Job<PreflightJobData>): Promise<string> {
    const { runId, hostId } = job.data
    const log = ctx.logger.child({ workerId: ctx.workerId, jobId: job.id, runId, hostId, stage: 'PreFlight' })
    const header = await getRunHeader(redis, keys, runId)
    const state = await getHostRunState(redis, keys, runId, hostId)
    const host = ctx.inventory.hosts.get(hostId)
    if (!header || !state) return 'gone'
    if (state.phase !== 'pending' && state.phase !== 'PreFlight') return state.phase // already judged
    // Cancelled: no PreFlight starts any more; the host stays pending and is not reported. One already
    // started (phase PreFlight, found after a crash) is still followed to its end.
    if (state.phase === 'pending' && (await getRunStop(redis, keys, runId)).cancelled) return 'cancelled'
    const running: HostRunState = { ...state, phase: 'PreFlight' }
    await saveHostRunState(redis, keys, runId, running)

    const { request } = header
    let next: HostRunState
    let verdict: ReturnType<typeof judgeStage> | { kind: 'failed'; message: string }
    if (!host) {
      verdict = { kind: 'failed', message: `host ${hostId} is not in this worker's inventory ${ctx.inventory.source}` }
    } else {
      const startedAt = Date.now()
      await emitRunEvent(redis, keys, runId, 'stage.started', { hostId, hostName: host.name, clusterId: host.clusterId, stage: 'PreFlight' })
      try {
        const session = await ctx.executor.open(host)
        // Housekeeping of the host's runner state, once per host and run, off the critical path.
        session.cleanup(ctx.config.runRetentionDays).catch((err: unknown) => log.warn({ err }, 'cleanup of old run state failed'))
        try {
          const result = await session.runStage({ runId, stage: 'PreFlight', payload: request.payload, timeoutSec: stageTimeoutSec(ctx, request.timeout) })
          verdict = judgeStage('PreFlight', result)
          await recordStageDuration(redis, keys, 'PreFlight', result.kind === 'timeout' ? 'timeout' : verdict.kind, (Date.now() - startedAt) / 1000)
          const exitCode = result.kind === 'exited' ? result.exitCode : null
          await emitRunEvent(redis, keys, runId, 'stage.finished', {
            hostId, hostName: host.name, clusterId: host.clusterId, stage: 'PreFlight', result: result.kind, exitCode, durationMs: Date.now() - startedAt, output: stageOutputTail(result),
          })
        } finally {
          session.close()
        }
      } catch (err) {
        await recordSshFailure(redis, keys, err)
        await recordStageDuration(redis, keys, 'PreFlight', 'unreachable', (Date.now() - startedAt) / 1000)
        verdict = { kind: 'failed', message: `host unreachable: ${connectionFailure(err)}` }
      }
    }

    if (verdict.kind === 'ok' || verdict.kind === 'no-script') {
      next = { ...running, phase: 'ready' }
    } else if (verdict.kind === 'avoid') {
      next = { ...running, phase: 'done', skipped: { reason: SKIP_REASONS.preflightAvoid, seq: await nextRunSeq(redis, keys, runId) } }
    } else if (request.forced) {
      next = { ...running, phase: 'done', skipped: { reason: failureReason('PreFlight', verdict.message), seq: await nextRunSeq(redis, keys, runId) } }
    } else {
      // No host gets any further stage: the orchestrator sees the stop once every PreFlight is in.
      await stopRun(redis, keys, runId, `PreFlight failed on host ${state.hostName}`)
      next = { ...running, phase: 'done', failure: { stage: 'PreFlight', message: verdict.message } }
    }
    await saveHostRunState(redis, keys, runId, next)
    if (next.skipped) await emitRunEvent(redis, keys, runId, 'host.skipped', { hostId, hostName: state.hostName, reason: next.skipped.reason })
    if (next.failure) await emitRunEvent(redis, keys, runId, 'host.failed', { hostId, hostName: state.hostName, stage: 'PreFlight', message: next.failure.message })
    log.info({ verdict: verdict.kind }, 'PreFlight judged')
    return next.phase
  }
}
