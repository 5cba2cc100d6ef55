import type { Job } from 'bullmq'
import { identityOf, type HostRunState } from '../shared/host-run-state.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { getHostRunState } from '../store/host/get-host-run-state.js'
import { getRunHeader } from '../store/run/get-run-header.js'
import { getRunStop } from '../store/run/get-run-stop.js'
import { attemptStage } from './attempt-stage.js'
import { failHost, skipHost } from './host-outcome.js'
import type { PreflightJobData } from './job-data.js'
import { SKIP_REASONS, type StageVerdict } from './stage-decisions.js'
import { stageTimeoutSec, type WorkerContext } from './worker-context.js'

/**
 * PreFlight on one host (docs/user-guide.md#preflight). All of a run's PreFlight jobs are queued at once and run in
 * parallel across workers; the orchestrator looks at their records only when every one has ended.
 */
export function makePreflightProcessor(ctx: WorkerContext) {
  const { redis, keys } = ctx
  return async function processPreflightJob(job: Job<PreflightJobData>): Promise<string> {
    const { runId, hostId } = job.data
    const log = ctx.logger.child({ workerId: ctx.workerId, jobId: job.id, runId, hostId, stage: 'PreFlight' })
    const host = ctx.inventory.hosts.get(hostId)
    // The SSH set-up (the longest part of a PreFlight) overlaps the reads and the first write
    // below (issue 16); a job that turns out to have nothing to do closes it unused.
    const opening = host ? ctx.executor.open(host) : undefined
    // Handled here too: it may fail while the reads are awaited, before attemptStage awaits it.
    opening?.catch(() => undefined)
    const unused = (answer: string): string => {
      void opening?.then(
        (s) => s.close(),
        () => undefined
      )
      return answer
    }
    // Read together: one write and one round trip for the three (issue 12, CPU per host cycle).
    const [header, state, stop] = await Promise.all([
      getRunHeader(redis, keys, runId),
      getHostRunState(redis, keys, runId, hostId),
      getRunStop(redis, keys, runId)
    ]).catch((err: unknown) => {
      unused('')
      throw err
    })
    if (!header || !state) return unused('gone')
    if (state.phase !== 'pending' && state.phase !== 'PreFlight') return unused(state.phase) // already judged
    // Cancelled: no PreFlight starts any more; the host stays pending and is not reported. One already
    // started (phase PreFlight, found after a crash) is still followed to its end.
    if (state.phase === 'pending' && stop.cancelled) return unused('cancelled')
    const running: HostRunState = { ...identityOf(state), phase: 'PreFlight' }
    await saveHostRunState(redis, keys, runId, running).catch((err: unknown) => {
      unused('')
      throw err
    })

    const { request } = header
    let verdict: StageVerdict
    if (!host) {
      verdict = { kind: 'failed', message: `host ${hostId} is not in this worker's inventory ${ctx.inventory.source}` }
    } else {
      const run = { id: runId, payload: request.payload, timeoutSec: stageTimeoutSec(ctx, request.timeout) }
      // Housekeeping of the host's runner state, once per host and run, off the critical path.
      const cleanup = (s: { cleanup(days: number): Promise<void> }): void =>
        void s
          .cleanup(ctx.config.runRetentionDays)
          .catch((err: unknown) => log.warn({ err }, 'cleanup of old run state failed'))
      const r = await attemptStage({ redis, keys, executor: ctx.executor }, run, host, 'PreFlight', undefined, log, {
        onOpened: cleanup,
        opening
      })
      r.session?.close()
      verdict =
        r.attempt.kind === 'judged'
          ? r.attempt.verdict
          : { kind: 'failed', message: `host unreachable: ${r.attempt.message}` }
    }

    const deps = { redis, keys, logger: log }
    let next: HostRunState
    if (verdict.kind === 'ok' || verdict.kind === 'no-script') next = { ...identityOf(running), phase: 'ready' }
    else if (verdict.kind === 'avoid') next = await skipHost(deps, runId, running, SKIP_REASONS.preflightAvoid)
    // Without `forced` no host gets any further stage: the orchestrator sees the stop once every PreFlight is in.
    else
      next = await failHost(
        deps,
        { id: runId, forced: request.forced, maxFailures: request.maxFailures },
        running,
        'PreFlight',
        verdict.message
      )
    await saveHostRunState(redis, keys, runId, next)
    log.info({ verdict: verdict.kind }, 'PreFlight judged')
    return next.phase
  }
}
