import { aggregateResult } from '../shared/aggregate-result.js'
import type { RollingMaintenanceResult } from '../shared/types.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { finishRun } from '../store/run/finish-run.js'
import { getRunCompletion } from '../store/run/get-run-completion.js'
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
  finalizeIfAllDone(runId: string): Promise<boolean>
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

  async function finalizeIfAllDone(runId: string): Promise<boolean> {
    // The counters first: every cluster job of a run asks, and a run's records may be thousands
    // (the scale bench: 1,000 clusters of a 10,000-host run), read only when they are all done.
    const c = await getRunCompletion(redis, keys, runId)
    if (!c.status || TERMINAL_STATUSES.has(c.status) || c.stopped || c.cancelled) return false
    if (c.hosts === 0 || c.done < c.hosts) return false
    const snapshot = await getRunSnapshot(redis, keys, runId)
    if (!snapshot) return false
    const { run, hosts } = snapshot
    if (TERMINAL_STATUSES.has(run.status) || run.stopReason || run.cancelRequested) return false
    // Every host of the run has a record from the run's start; all of them done means no cluster
    // has anything left to start, whatever the plan.
    if (hosts.length !== run.hostIds.length || hosts.some((h) => h.phase !== 'done')) return false
    await finalize(snapshot)
    return true
  }

  return { finalize, finalizeIfAllDone }
}
