import type { Logger } from 'pino'
import type { RedisClient } from '../store/connection.js'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import type { HostRunState } from '../shared/host-run-state.js'
import type { HostConfig, StageName } from '../shared/types.js'
import type { FencedWrite } from '../store/cluster/lease-ref.js'
import type { EventWithWrite } from '../store/events/events-with-write.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { setHostResourceState } from '../store/host/set-host-resource-state.js'
import type { RedisKeys } from '../store/keys.js'
import { stopRun } from '../store/run/stop-run.js'
import { attemptStage, recordFinished, type StageAttempt } from './attempt-stage.js'
import type { HeldLease } from './hold-cluster-lease.js'
import type { FollowingStage, HostExecutor, HostSession } from './host-executor.js'
import { stuckRecord } from './host-outcome.js'
import type { MaintenanceDriver } from './maintenance/maintenance-driver.js'

export interface CycleDeps {
  redis: RedisClient
  keys: RedisKeys
  executor: HostExecutor
  logger: Logger
  /** How each host enters and leaves maintenance mode; `none` (state only) when not given. */
  driverFor?: ((host: HostConfig) => MaintenanceDriver) | undefined
  /** Every inventory host of the cluster, in order (what a driver may evacuate to). */
  clusterHosts?: readonly HostConfig[] | undefined
}

export interface CycleRun {
  id: string
  forced: boolean
  /** docs/api.md#operator-controls: failures skipped as with forced before the next one stops the run. */
  maxFailures?: number | undefined
  payload?: string | undefined
  timeoutSec: number
}

/**
 * 'recheck': the cycle was asked to claim the slot only if the cluster's boundary was quiet
 * (CycleOptions.ifQuiet), and it was not, or the host had something else to record first (it is
 * unreachable, or has no Maintenance script): nothing was written, the caller decides the boundary.
 */
export type CycleOutcome = 'done' | 'stuck' | 'recheck'

/** How a cycle starts a host that has not started (phase `ready`); none of it for a resumed one. */
export interface CycleOptions {
  /**
   * Claim the maintenance slot only if the cluster's boundary is quiet (claimMaintenanceSlotIfQuiet):
   * the caller started the host without reading the boundary, its own part of the decision said go.
   */
  ifQuiet?: boolean
  /**
   * A write still in flight that must have landed before the claim counts (the previous host's
   * last one): the claim goes out behind it on the same connection, one round trip for both (issue 12).
   */
  after?: Promise<void> | undefined
}

/** How the cycle ended and the host's record as last written (the caller needs no read back). */
export interface CycleResult {
  outcome: CycleOutcome
  state: HostRunState
  /**
   * The write of `state` when it is still in flight: the caller's reads for the next host share its
   * round trip (issue 12), and the caller must wait for it (it throws LeaseLostError as any fenced
   * write) before it decides or writes anything else.
   */
  saved?: Promise<void> | undefined
}

/**
 * What one host's cycle carries from step to step: the host's record as last written, the session
 * to the host, the last stage's end not yet written, and the writes every step makes through them.
 * The steps themselves are in run-host-cycle.ts (the stages) and host-cycle-maintenance-mode.ts
 * (entering and leaving maintenance mode).
 */
export interface CycleContext {
  readonly deps: CycleDeps
  readonly lease: HeldLease
  readonly run: CycleRun
  readonly host: HostConfig
  readonly driver: MaintenanceDriver
  readonly log: Logger
  /** For host-outcome.ts (failHost, skipHost). */
  readonly outcomeDeps: { redis: RedisClient; keys: RedisKeys; logger: Logger; lease: HeldLease }
  /** The host's record as last written. */
  state: HostRunState
  session: HostSession | undefined
  /** Throws LeaseLostError when the write was refused for the lease, or the lease is known lost. */
  fenced(reply: FencedWrite): FencedWrite
  /** Writes the host's record (fenced), with events in the same Lua call, and makes it the state. */
  save(next: HostRunState, events?: readonly EventWithWrite[]): Promise<void>
  /** The last stage's stage.finished, for the write that follows it to append (at most once). */
  takeFinished(): EventWithWrite[]
  /** Records the last stage's stage.finished on its own, for paths whose next write is another. */
  flushFinished(): void
  /** Runs (or re-attaches to) a stage on the host; its stage.finished waits for the next write. */
  attempt(stage: StageName, followedBy?: readonly FollowingStage[]): Promise<StageAttempt>
  /**
   * The stage.started of the stage that follows a write, appended by that write (one Lua call per
   * step, issue 12); once the write is made, the stage's attempt does not append it again.
   */
  startedWith(stage: StageName): EventWithWrite
  announcedBy<W extends { kind: string }>(write: W, stage: StageName): W
  /** The host may still be running a stage we cannot see: it must not leave the slot (docs/user-guide.md#exiting-maintenance-mode). */
  stuck(stage: string, message: string): Promise<CycleResult>
}

export function makeCycleContext(
  deps: CycleDeps,
  lease: HeldLease,
  run: CycleRun,
  host: HostConfig,
  driver: MaintenanceDriver,
  initial: HostRunState,
  session: HostSession | undefined
): CycleContext {
  const { redis, keys, executor } = deps
  const log = deps.logger.child({ runId: run.id, hostId: host.id, host: host.name, clusterId: host.clusterId })
  /** Stages whose stage.started event was already written with the write before them. */
  const announced = new Set<StageName>()
  /**
   * The last stage's stage.finished (with its histogram count), until the write that follows it
   * takes it (one Lua call per step, issue 12). Paths whose next write is not that one (a skip, a
   * failure: they announce events of their own) record it first, so the stream keeps its order.
   */
  let finished: EventWithWrite | undefined

  const c: CycleContext = {
    deps,
    lease,
    run,
    host,
    driver,
    log,
    outcomeDeps: { redis, keys, logger: log, lease },
    state: initial,
    session,
    fenced(reply) {
      if (reply.kind === 'lease-lost' || lease.lost) throw new LeaseLostError(host.clusterId)
      return reply
    },
    async save(next, events = []) {
      c.fenced(await saveHostRunState(redis, keys, run.id, next, lease, events))
      c.state = next
    },
    takeFinished() {
      const f = finished
      finished = undefined
      return f ? [f] : []
    },
    flushFinished() {
      recordFinished({ redis, keys }, run.id, c.takeFinished()[0])
    },
    async attempt(stage, followedBy) {
      c.flushFinished()
      // A worker taking over mid-cycle may find the host rebooting: keep trying as a re-attach would.
      const r = await attemptStage({ redis, keys, executor }, run, host, stage, c.session, log, {
        openOptions: { reattachTimeoutSec: run.timeoutSec },
        followedBy,
        announced: announced.delete(stage)
      })
      c.session = r.session
      finished = r.finished
      return r.attempt
    },
    startedWith(stage) {
      return { type: 'stage.started', data: { hostId: host.id, hostName: host.name, clusterId: host.clusterId, stage } }
    },
    announcedBy(write, stage) {
      if (write.kind === 'ok') announced.add(stage)
      return write
    },
    async stuck(stage, message) {
      c.flushFinished()
      const why = `${stage} could not be confirmed finished (${message}); the host stays in maintenance mode until an operator checks it`
      const marked = c.fenced(
        await setHostResourceState(redis, keys, lease, run.id, 'ErrorInMaintenance', stuckRecord(c.state, why))
      )
      if (marked.kind === 'busy') {
        // The slot names another host, so the host's resource state cannot move; its record must
        // still say stuck, or the run's result would not name it (issue 11, item 5).
        const record = stuckRecord(c.state, `${why}; the maintenance slot is held by ${marked.holder}`)
        c.fenced(await saveHostRunState(redis, keys, run.id, record, lease))
      }
      if (
        (await stopRun(redis, keys, run.id, `host ${host.name} is stuck in maintenance mode`, lease)) === 'lease-lost'
      )
        throw new LeaseLostError(host.clusterId)
      await emitRunEvent(redis, keys, run.id, 'host.failed', {
        hostId: host.id,
        hostName: host.name,
        stage,
        message: why
      })
      log.error({ stage, message }, 'host left in ErrorInMaintenance; its cluster stops')
      return { outcome: 'stuck', state: c.state }
    }
  }
  return c
}
