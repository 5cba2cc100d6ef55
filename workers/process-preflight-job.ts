import type { Job } from 'bullmq'
import pLimit from 'p-limit'
import type { Logger } from 'pino'
import { identityOf, type HostRunState } from '../shared/host-run-state.js'
import type { EventWithWrite } from '../store/events/events-with-write.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { getHostRunStates } from '../store/host/get-host-run-states.js'
import type { RunHeader } from '../store/run/get-run-header.js'
import { getRunStop } from '../store/run/get-run-stop.js'
import { setPreflightRoute } from '../store/run/set-preflight-route.js'
import { attemptStage, recordFinished } from './attempt-stage.js'
import { failHost, skipHost } from './host-outcome.js'
import type { PreflightJobData } from './job-data.js'
import { SKIP_REASONS, type StageVerdict } from './stage-decisions.js'
import { stageTimeoutSec, type WorkerContext } from './worker-context.js'

/**
 * What the run job of a one-cluster run has just read and written itself, so its PreFlight does not
 * read it again (issue 12: one round trip less before the first PreFlight starts).
 */
export interface PreflightKnown {
  header: RunHeader
  states: ReadonlyMap<string, HostRunState>
  stop: { stopReason?: string | undefined; cancelled: boolean }
}

/** PreFlight of one cluster's hosts of a run, for the job given (its own, or the run job): 'gone' when the run no longer exists. */
export type PreflightCluster = (
  data: PreflightJobData,
  jobId: string | undefined,
  known?: PreflightKnown
) => Promise<'gone' | 'done'>

/**
 * PreFlight (docs/user-guide.md#preflight) of one cluster: its hosts in parallel, so their SSH
 * sessions end up in one worker, the one its cluster job is then routed to
 * (docs/operations.md#cluster-job-affinity). A run of several clusters queues one PreFlight job per
 * cluster, all at once, run in parallel across workers (makePreflightProcessor); a run of one
 * cluster runs it in its run job (workers/process-run-job.ts). The orchestrator looks at the hosts'
 * records only when every cluster's PreFlight has ended.
 */
export function makePreflightCluster(ctx: WorkerContext): PreflightCluster {
  const { redis, keys } = ctx
  // SSH set-ups at once in this process, across its PreFlight jobs: a run of many large clusters
  // must not start hundreds of handshakes together (they share the worker's CPU and the network).
  const limit = pLimit(ctx.config.workerConcurrency * 2)

  async function preflightHost(
    runId: string,
    header: RunHeader,
    stop: { cancelled: boolean },
    state: HostRunState | undefined,
    log: Logger
  ): Promise<string> {
    if (!state) return 'gone'
    if (state.phase !== 'pending' && state.phase !== 'PreFlight') return state.phase // already judged
    // Cancelled: no PreFlight starts any more; the host stays pending and is not reported. One already
    // started (phase PreFlight, found after a crash) is still followed to its end.
    if (state.phase === 'pending' && stop.cancelled) return 'cancelled'
    const hostId = state.hostId
    const host = ctx.inventory.hosts.get(hostId)
    // The SSH set-up (the longest part of a PreFlight) overlaps the first write below (issue 16).
    const opening = host ? ctx.executor.open(host) : undefined
    // Handled here too: it may fail while the write is awaited, before attemptStage awaits it.
    opening?.catch(() => undefined)
    const running: HostRunState = { ...identityOf(state), phase: 'PreFlight' }
    // Not waited for before the stage starts (issue 12): the connection keeps it ahead of the
    // stage's events and its verdict. Should it fail, the job fails and its retry finds the host
    // pending and asks for PreFlight again, which re-attaches to the one that ran (its claim).
    // PreFlight's stage.started goes with it (one Lua call, issue 12) when there is a stage to start.
    const started: EventWithWrite[] = host
      ? [
          {
            type: 'stage.started',
            data: { hostId, hostName: host.name, clusterId: host.clusterId, stage: 'PreFlight' }
          }
        ]
      : []
    const marked = saveHostRunState(redis, keys, runId, running, undefined, started)
    marked.catch(() => undefined)

    const { request } = header
    let verdict: StageVerdict
    // PreFlight's stage.finished, for the host's next record to append in the same step (issue 12).
    let finished: EventWithWrite | undefined
    if (!host) {
      verdict = { kind: 'failed', message: `host ${hostId} is not in this worker's inventory ${ctx.inventory.source}` }
    } else {
      const run = { id: runId, payload: request.payload, timeoutSec: stageTimeoutSec(ctx, request.timeout) }
      const r = await attemptStage({ redis, keys, executor: ctx.executor }, run, host, 'PreFlight', undefined, log, {
        opening,
        announced: true
      })
      finished = r.finished
      // Housekeeping of the host's runner state, once per host and run, after PreFlight rather than
      // before it: the runner answers one request at a time, and the run waits for PreFlight.
      void r.session
        ?.cleanup(ctx.config.runRetentionDays)
        .catch((err: unknown) => log.warn({ err }, 'cleanup of old run state failed'))
      // Back to this worker's pool: the cluster job routed here runs the host's cycle on it.
      r.session?.close()
      verdict =
        r.attempt.kind === 'judged'
          ? r.attempt.verdict
          : { kind: 'failed', message: `host unreachable: ${r.attempt.message}` }
    }

    await marked
    const deps = { redis, keys, logger: log }
    let next: HostRunState
    // Ready: the stage's end goes with the host's record. A skip or a failure announces itself, so
    // the stage's end is recorded first, on its own.
    let withRecord = finished ? [finished] : []
    if (verdict.kind === 'ok' || verdict.kind === 'no-script') next = { ...identityOf(running), phase: 'ready' }
    else {
      recordFinished({ redis, keys }, runId, finished)
      withRecord = []
      next =
        verdict.kind === 'avoid'
          ? await skipHost(deps, runId, running, SKIP_REASONS.preflightAvoid)
          : // Without `forced` no host gets any further stage: the orchestrator sees the stop once every PreFlight is in.
            await failHost(
              deps,
              { id: runId, forced: request.forced, maxFailures: request.maxFailures },
              running,
              'PreFlight',
              verdict.message
            )
    }
    await saveHostRunState(redis, keys, runId, next, undefined, withRecord)
    log.info({ verdict: verdict.kind }, 'PreFlight judged')
    return next.phase
  }

  return async function preflightCluster(
    data: PreflightJobData,
    jobId: string | undefined,
    known?: PreflightKnown
  ): Promise<'gone' | 'done'> {
    const { runId, clusterId, hostIds } = data
    const log = ctx.logger.child({ workerId: ctx.workerId, jobId, runId, clusterId, stage: 'PreFlight' })
    // The route to this worker (its queue gets the cluster job: store/run/route-cluster-job.ts) is
    // written first, not after the hosts: the run's clusters wait for this job, so its last write is
    // on their critical path. A retry on another worker writes its own route over it. It is needed
    // only once PreFlight is over: with what the run job knows, the hosts start without waiting for it.
    const routed = setPreflightRoute(redis, keys, runId, clusterId, ctx.ownHostsQueue)
    routed.catch(() => undefined)
    // Read together with the route's write, one round trip (issue 12, CPU per host cycle).
    const [header, states, stop] = known
      ? [known.header, known.states, known.stop]
      : await Promise.all([
          ctx.readRunHeader(runId),
          getHostRunStates(redis, keys, runId, hostIds),
          getRunStop(redis, keys, runId),
          routed
        ])
    if (!header) return 'gone'
    const outcomes = await Promise.allSettled([
      routed,
      ...hostIds.map((hostId) =>
        limit(() => preflightHost(runId, header, stop, states.get(hostId), log.child({ hostId })))
      )
    ])
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    // A host whose record could not be written (Redis gone) makes the job fail and be retried;
    // hosts already judged are passed over then.
    if (failed) throw failed.reason
    return 'done'
  }
}

/** A PreFlight job: one cluster's PreFlight (PreflightCluster) for a run of several clusters. */
export function makePreflightProcessor(ctx: WorkerContext, preflightCluster: PreflightCluster) {
  return (job: Job<PreflightJobData>): Promise<string> => preflightCluster(job.data, job.id)
}
