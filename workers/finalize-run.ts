import { aggregateResult } from '../shared/aggregate-result.js'
import type { RollingMaintenanceResult } from '../shared/types.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { finishRun } from '../store/run/finish-run.js'
import { claimRunFinalize } from '../store/run/claim-run-finalize.js'
import { getRunSnapshot, type RunSnapshot } from '../store/run/get-run-snapshot.js'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import type { WorkerContext } from './worker-context.js'

export interface RunFinalizer {
  /** The run's result from its hosts' records, stored once (whoever comes second only reads it). */
  finalize(snapshot: RunSnapshot): Promise<RollingMaintenanceResult>
  /**
   * Stores the run's result now when nothing is left to happen in it: every host's record is
   * `done` and the run was neither stopped nor cancelled. The cluster job whose host was the run's
   * last calls it, so the result does not wait for BullMQ to hand the run job back (a job hop at the
   * run's end, issue 12); the run job finds the run finished and returns the stored result.
   */
  finalizeIfAllDone(runId: string, claimant: string): Promise<boolean>
}

export function makeRunFinalizer(ctx: Pick<WorkerContext, 'redis' | 'keys' | 'config' | 'logger'>): RunFinalizer {
  const { redis, keys, config } = ctx

  async function finalize(snapshot: RunSnapshot): Promise<RollingMaintenanceResult> {
    const { run, hosts } = snapshot
    const cancelled = run.cancelRequested === true
    // A host that never reached `done` is named whatever ended the run: a stop, a cancel, or a
    // child job that failed for good (ignoreDependencyOnFailure lets the run end anyway).
    const unfinishedWhy = cancelled
      ? 'the run was cancelled before they finished'
      : run.stopReason
        ? `the run stopped: ${run.stopReason}`
        : 'their job failed; see the worker logs'
    const result = aggregateResult(hosts, cancelled ? 'the run was cancelled' : undefined, unfinishedWhy)
    const status = cancelled ? 'cancelled' : result.rollingmaintenance.success ? 'succeeded' : 'failed'
    if (await finishRun(redis, keys, run, status, result, config.runRetentionDays)) {
      await emitRunEvent(redis, keys, run.id, 'run.finished', { status, result })
      ctx.logger.info(
        {
          runId: run.id,
          status,
          updated: result.rollingmaintenance.hostsupdated.length,
          skipped: result.rollingmaintenance.hostsskipped.length
        },
        'run finished'
      )
    }
    return result
  }

  async function finalizeIfAllDone(runId: string, claimant: string): Promise<boolean> {
    // Claimed first, on the counters: every cluster job of a run asks as it ends, the last ones at
    // about the same moment, and a run's records may be thousands (the scale bench: 1,000 clusters
    // of a 10,000-host run, whose last hundred cluster jobs each read all of them before the claim).
    if (!(await claimRunFinalize(redis, keys, runId, claimant))) return false
    const snapshot = await getRunSnapshot(redis, keys, runId)
    if (!snapshot || TERMINAL_STATUSES.has(snapshot.run.status)) return false
    // Every host of the run has a record from the run's start; all of them done means no cluster
    // has anything left to start, whatever the plan.
    if (snapshot.hosts.length !== snapshot.run.hostIds.length || snapshot.hosts.some((h) => h.phase !== 'done'))
      return false
    await finalize(snapshot)
    return true
  }

  return { finalize, finalizeIfAllDone }
}
