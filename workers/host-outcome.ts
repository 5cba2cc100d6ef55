import type { RedisClient } from '../store/connection.js'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import type { LeaseRef } from '../store/cluster/lease-ref.js'
import type { Logger } from 'pino'
import { identityOf, updatedOf, type CycleStep, type HostDone, type HostRunState } from '../shared/host-run-state.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import type { RedisKeys } from '../store/keys.js'
import { nextRunSeq } from '../store/run/next-run-seq.js'
import { countHostFailure } from '../store/run/count-host-failure.js'
import { stopRun } from '../store/run/stop-run.js'
import { decideFailure } from '../shared/controls/failure-budget.js'
import { failureReason } from './stage-decisions.js'

export interface OutcomeDeps {
  redis: RedisClient
  keys: RedisKeys
  logger: Logger
  /** The cluster lease of a cluster job: its stop of the run is fenced by it. PreFlight jobs have none. */
  lease?: LeaseRef | undefined
}

/** The host's final record, keeping its `hostsupdated` entry when it already has one. */
function doneFrom(state: HostRunState, extra: Omit<HostDone, 'phase' | 'hostId' | 'hostName' | 'clusterId'>): HostDone {
  return { ...identityOf(state), phase: 'done', updated: updatedOf(state), ...extra }
}

/**
 * The host goes to `hostsskipped` with `reason` (announced on the event stream); the caller saves
 * the record. `failedStep` marks a skip caused by a failure (a retry takes the host again).
 */
export async function skipHost(
  deps: OutcomeDeps,
  runId: string,
  state: HostRunState,
  reason: string,
  failedStep?: string
): Promise<HostDone> {
  await emitRunEvent(deps.redis, deps.keys, runId, 'host.skipped', {
    hostId: state.hostId,
    hostName: state.hostName,
    reason
  })
  return doneFrom(state, {
    skipped: { reason, seq: await nextRunSeq(deps.redis, deps.keys, runId), failedStep },
    finishedAt: new Date().toISOString()
  })
}

/**
 * docs/user-guide.md#failures-after-preflight and 9, the one place it is decided: with `forced`, or within `maxFailures`, a failed
 * step skips the host with a reason; otherwise no new host starts anywhere in the run and the
 * host's failure fails the run. The caller saves the returned record.
 */
export async function failHost(
  deps: OutcomeDeps,
  run: { id: string; forced: boolean; maxFailures?: number | undefined },
  state: HostRunState,
  step: CycleStep,
  message: string
): Promise<HostDone> {
  deps.logger.warn({ hostId: state.hostId, stage: step, message }, 'stage failed')
  const count = await countHostFailure(deps.redis, deps.keys, run.id, deps.lease)
  if (count === 'lease-lost') throw new LeaseLostError(deps.lease!.clusterId)
  if (decideFailure({ forced: run.forced, maxFailures: run.maxFailures ?? 0 }, count) === 'skip') {
    return skipHost(deps, run.id, state, failureReason(step, message), step)
  }
  // A worker that lost the lease must not stop a run another worker now drives (issue 11, item 5).
  if (
    (await stopRun(deps.redis, deps.keys, run.id, `${step} failed on host ${state.hostName}`, deps.lease)) ===
    'lease-lost'
  )
    throw new LeaseLostError(deps.lease!.clusterId)
  await emitRunEvent(deps.redis, deps.keys, run.id, 'host.failed', {
    hostId: state.hostId,
    hostName: state.hostName,
    stage: step,
    message
  })
  return doneFrom(state, { failure: { stage: step, message }, finishedAt: new Date().toISOString() })
}

/** The host's record once it is stuck in maintenance mode (docs/user-guide.md#exiting-maintenance-mode). */
export function stuckRecord(state: HostRunState, why: string): HostDone {
  return doneFrom(state, { stuckInMaintenance: why })
}
