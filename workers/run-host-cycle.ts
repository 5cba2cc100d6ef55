import type { RedisClient } from '../store/connection.js'
import type { Logger } from 'pino'
import { assertNever } from '../shared/assert-never.js'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import { formatDate } from '../shared/format-date.js'
import {
  identityOf,
  type EvacuationRecord,
  type HostRunState,
  type MaintenanceResult,
  type MigrationRecord
} from '../shared/host-run-state.js'
import type { HostConfig, StageName } from '../shared/types.js'
import type { FencedWrite } from '../store/cluster/lease-ref.js'
import type { EventWithWrite } from '../store/events/events-with-write.js'
import { claimMaintenanceSlot } from '../store/cluster/claim-maintenance-slot.js'
import { exitMaintenance, exitMaintenanceUpdated } from '../store/cluster/exit-maintenance.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { setHostResourceState } from '../store/host/set-host-resource-state.js'
import type { RedisKeys } from '../store/keys.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import { stopRun } from '../store/run/stop-run.js'
import { attemptStage, recordFinished, type StageAttempt } from './attempt-stage.js'
import type { HeldLease } from './hold-cluster-lease.js'
import type { FollowingStage, HostExecutor, HostSession } from './host-executor.js'
import { failHost, skipHost, stuckRecord } from './host-outcome.js'
import { buildDriverContext } from './maintenance/driver-context.js'
import type { DriverContext, MaintenanceDriver } from './maintenance/maintenance-driver.js'
import { noneDriver } from './maintenance/none-driver.js'
import { connectionFailure, SKIP_REASONS } from './stage-decisions.js'

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

export type CycleOutcome = 'done' | 'stuck'

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
 * What follows PreMaintenance on the host when maintenance mode is state only (`none`): Maintenance
 * after PreMaintenance's exit 0 or no script (judgeStage's ok and no-script, both go on), and
 * PostMaintenance after Maintenance's exit 0 (a missing Maintenance script fails the host).
 */
const NONE_DRIVER_CHAIN: readonly FollowingStage[] = [
  { stage: 'Maintenance', after: 'exit-0-or-missing' },
  { stage: 'PostMaintenance', after: 'exit-0' }
]

/** A session stand-in for drivers that never touch the host (`none`): nothing is opened for them. */
function noSession(host: HostConfig): HostSession {
  const refuse = (): Promise<never> =>
    Promise.reject(new Error(`no session to ${host.name} was opened for this driver`))
  return { hasStageScript: refuse, runStage: refuse, exec: refuse, cleanup: refuse, close: () => undefined }
}

/**
 * One host's cycle inside its cluster (docs/user-guide.md#the-host-cycle): PreMaintenance, enter maintenance mode (the
 * driver), Maintenance, exit (the driver), PostMaintenance. Every step is persisted before the
 * next starts and every step can be repeated, so a worker taking over after a crash resumes at the
 * recorded phase; stages already started are re-attached by the executor, never started twice.
 * Returns 'stuck' when the host cannot be taken out of maintenance mode, which stops its cluster.
 */
export async function runHostCycle(
  deps: CycleDeps,
  lease: HeldLease,
  run: CycleRun,
  host: HostConfig,
  initial: HostRunState,
  /** A connection opened ahead of time (while the previous host was in maintenance), if any. */
  preopened?: Promise<HostSession | undefined>,
  /** Called once the host's last stage (PostMaintenance) is about to be waited for. */
  onLastStage?: () => void
): Promise<CycleResult> {
  const { redis, keys, executor } = deps
  const log = deps.logger.child({ runId: run.id, hostId: host.id, host: host.name, clusterId: host.clusterId })
  const outcomeDeps = { redis, keys, logger: log, lease }
  const driver = deps.driverFor?.(host) ?? noneDriver
  let state = initial
  let session: HostSession | undefined = preopened ? await preopened : undefined

  const fenced = (reply: FencedWrite): FencedWrite => {
    if (reply.kind === 'lease-lost' || lease.lost) throw new LeaseLostError(host.clusterId)
    return reply
  }
  const save = async (next: HostRunState, events: readonly EventWithWrite[] = []): Promise<void> => {
    fenced(await saveHostRunState(redis, keys, run.id, next, lease, events))
    state = next
  }
  /** Stages whose stage.started event was already written with the write before them. */
  const announced = new Set<StageName>()
  /**
   * The last stage's stage.finished (with its histogram count), until the write that follows it
   * takes it (one Lua call per step, issue 12). Paths whose next write is not that one (a skip, a
   * failure: they announce events of their own) record it first, so the stream keeps its order.
   */
  let finished: EventWithWrite | undefined
  const takeFinished = (): EventWithWrite[] => {
    const f = finished
    finished = undefined
    return f ? [f] : []
  }
  const flushFinished = (): void => recordFinished({ redis, keys }, run.id, takeFinished()[0])
  const attempt = async (stage: StageName, followedBy?: readonly FollowingStage[]): Promise<StageAttempt> => {
    flushFinished()
    // A worker taking over mid-cycle may find the host rebooting: keep trying as a re-attach would.
    const r = await attemptStage({ redis, keys, executor }, run, host, stage, session, log, {
      openOptions: { reattachTimeoutSec: run.timeoutSec },
      followedBy,
      announced: announced.delete(stage)
    })
    session = r.session
    finished = r.finished
    return r.attempt
  }
  /** The host may still be running a stage we cannot see: it must not leave the slot (docs/user-guide.md#exiting-maintenance-mode). */
  const stuck = async (stage: string, message: string): Promise<CycleResult> => {
    flushFinished()
    const why = `${stage} could not be confirmed finished (${message}); the host stays in maintenance mode until an operator checks it`
    const marked = fenced(
      await setHostResourceState(redis, keys, lease, run.id, 'ErrorInMaintenance', stuckRecord(state, why))
    )
    if (marked.kind === 'busy') {
      // The slot names another host, so the host's resource state cannot move; its record must
      // still say stuck, or the run's result would not name it (issue 11, item 5).
      const record = stuckRecord(state, `${why}; the maintenance slot is held by ${marked.holder}`)
      fenced(await saveHostRunState(redis, keys, run.id, record, lease))
    }
    if ((await stopRun(redis, keys, run.id, `host ${host.name} is stuck in maintenance mode`, lease)) === 'lease-lost')
      throw new LeaseLostError(host.clusterId)
    await emitRunEvent(redis, keys, run.id, 'host.failed', {
      hostId: host.id,
      hostName: host.name,
      stage,
      message: why
    })
    log.error({ stage, message }, 'host left in ErrorInMaintenance; its cluster stops')
    return { outcome: 'stuck', state }
  }
  /**
   * The driver's view of the host. VM events are saved in the host's record (fenced) before they
   * are published, so a worker taking over knows which migrations were announced and which are done.
   */
  const driverContext = async (
    record: EvacuationRecord,
    onRecord?: (r: EvacuationRecord) => HostRunState
  ): Promise<{ ctx: DriverContext; record(): EvacuationRecord }> => {
    if (driver.kind !== 'none') session ??= await executor.open(host)
    return buildDriverContext({
      redis,
      keys,
      runId: run.id,
      payload: run.payload,
      host,
      // `none` looks at no other host: no read of their resource states (issue 12: a host cycle's round trips).
      clusterHosts: driver.kind === 'none' ? [host] : (deps.clusterHosts ?? [host]),
      session: session ?? noSession(host),
      openSession: (h) => executor.open(h),
      logger: log,
      signal: lease.signal,
      record,
      save: async (r) => {
        if (onRecord) await save(onRecord(r))
      }
    })
  }

  /**
   * The stage.started of the stage that follows a write, appended by that write (one Lua call per
   * step, issue 12); once the write is made, the stage's attempt does not append it again.
   */
  const startedWith = (stage: StageName): EventWithWrite => ({
    type: 'stage.started',
    data: { hostId: host.id, hostName: host.name, clusterId: host.clusterId, stage }
  })
  const announcedBy = <W extends { kind: string }>(write: W, stage: StageName): W => {
    if (write.kind === 'ok') announced.add(stage)
    return write
  }
  /** Maintenance mode entered: the host's resource state and phase become Maintenance. */
  const entered = async (migrated: MigrationRecord[] | undefined): Promise<void> => {
    const next: HostRunState = { ...identityOf(state), phase: 'Maintenance', startdate: formatDate(), migrated }
    const write = await setHostResourceState(redis, keys, lease, run.id, 'Maintenance', next, [
      ...takeFinished(),
      startedWith('Maintenance')
    ])
    fenced(announcedBy(write, 'Maintenance'))
    state = next
  }
  /**
   * Out of maintenance mode (the driver is done): the slot is released and the host goes on to
   * PostMaintenance, its seq in `hostsupdated` taken in the same write, or fails with Maintenance's
   * failure. Answers the cycle's end when the host turned out stuck.
   */
  const leave = async (
    exiting: Extract<HostRunState, { phase: 'ExitMaintenance' }>
  ): Promise<CycleResult | undefined> => {
    state = exiting
    const m = exiting.maintenance
    let next: HostRunState
    let reply: FencedWrite
    if (m.ok) {
      const updated = {
        startdate: exiting.startdate,
        enddate: formatDate(),
        output: m.output,
        seq: 0,
        migrated: exiting.migrated
      }
      // Maintenance's end, host.updated (with the seq taken) and PostMaintenance's start go with the release.
      const ended = takeFinished()
      const r = await exitMaintenanceUpdated(
        redis,
        keys,
        lease,
        run.id,
        { ...identityOf(exiting), phase: 'PostMaintenance', updated },
        (record) => [
          ...ended,
          { type: 'host.updated', data: { hostId: host.id, hostName: host.name, ...record.updated } },
          startedWith('PostMaintenance')
        ]
      )
      // Refused because another host holds the slot: the stage did end, and says so.
      if (r.write.kind === 'busy') recordFinished({ redis, keys }, run.id, ended[0])
      reply = fenced(announcedBy(r.write, 'PostMaintenance'))
      next = r.state
    } else {
      flushFinished()
      next = await failHost(outcomeDeps, run, exiting, 'Maintenance', m.reason)
      reply = fenced(await exitMaintenance(redis, keys, lease, run.id, next))
    }
    if (reply.kind === 'busy') return await stuck('Maintenance', `maintenance slot is held by ${reply.holder}`)
    state = next
    return undefined
  }

  try {
    for (;;) {
      if (lease.lost) throw new LeaseLostError(host.clusterId)
      switch (state.phase) {
        case 'pending':
        case 'PreFlight':
        case 'ready': {
          if (!session) {
            try {
              session = await executor.open(host)
            } catch (err) {
              await recordSshFailure(redis, keys, err)
              // Nothing has started on the host yet, so this is an ordinary failure, not a stuck host.
              await save(
                await failHost(outcomeDeps, run, state, 'PreMaintenance', `host unreachable: ${connectionFailure(err)}`)
              )
              break
            }
          }
          if (!(await session.hasStageScript('Maintenance'))) {
            await save(await skipHost(outcomeDeps, run.id, state, SKIP_REASONS.noMaintenanceScript))
            break
          }
          const next: HostRunState = { ...identityOf(state), phase: 'PreMaintenance' }
          const reply = fenced(
            announcedBy(
              await claimMaintenanceSlot(redis, keys, lease, run.id, next, [startedWith('PreMaintenance')]),
              'PreMaintenance'
            )
          )
          if (reply.kind === 'busy') {
            const message = `cannot enter maintenance mode: host ${reply.holder} of the same cluster is still in maintenance mode`
            await save(await failHost(outcomeDeps, run, state, 'PreMaintenance', message))
            break
          }
          state = next
          break
        }
        case 'PreMaintenance': {
          // `none` does nothing between the stages: the host goes on to Maintenance and then
          // PostMaintenance by itself when each stage before ends as judgeStage lets the cycle go
          // on (NONE_DRIVER_CHAIN), and the worker records each result as it comes (issue 12).
          const a = await attempt('PreMaintenance', driver.kind === 'none' ? NONE_DRIVER_CHAIN : undefined)
          if (a.kind === 'unconfirmed') return await stuck('PreMaintenance', a.message)
          const v = a.verdict
          if ((v.kind === 'ok' || v.kind === 'no-script') && driver.kind === 'none') {
            // `none` does nothing to enter maintenance mode: straight to Maintenance, one write
            // instead of two (issue 12). A crash before it resumes at PreMaintenance, as before.
            await entered(undefined)
          } else if (v.kind === 'ok' || v.kind === 'no-script') {
            const next: HostRunState = { ...identityOf(state), phase: 'EnterMaintenance' }
            fenced(
              await setHostResourceState(redis, keys, lease, run.id, 'PrepareForMaintenance', next, takeFinished())
            )
            state = next
          } else {
            flushFinished()
            const next =
              v.kind === 'avoid'
                ? await skipHost(outcomeDeps, run.id, state, SKIP_REASONS.premaintenanceAvoid)
                : await failHost(outcomeDeps, run, state, 'PreMaintenance', v.message)
            fenced(await exitMaintenance(redis, keys, lease, run.id, next))
            state = next
          }
          break
        }
        case 'EnterMaintenance': {
          // Idempotent: after a takeover the driver re-reads where the VMs run and goes on from there.
          let enter: { ok: true } | { ok: false; reason: string }
          const dc = await driverContext(state.evacuation ?? { announced: [], migrated: [] }, (evacuation) => ({
            ...identityOf(state),
            phase: 'EnterMaintenance',
            evacuation
          }))
          try {
            const outcome = await driver.enter(dc.ctx)
            enter = outcome.kind === 'entered' ? { ok: true } : { ok: false, reason: outcome.reason }
          } catch (err) {
            if (err instanceof LeaseLostError || lease.lost) throw new LeaseLostError(host.clusterId)
            await recordSshFailure(redis, keys, err)
            enter = { ok: false, reason: connectionFailure(err) }
          }
          if (enter.ok) {
            await entered(driver.kind === 'none' ? undefined : dc.record().migrated)
          } else {
            // Nothing ran in maintenance mode: the host leaves the slot; VMs already moved stay where they run.
            const next = await failHost(outcomeDeps, run, state, 'EnterMaintenance', enter.reason)
            fenced(await exitMaintenance(redis, keys, lease, run.id, next))
            state = next
          }
          break
        }
        case 'Maintenance': {
          const a = await attempt('Maintenance', driver.kind === 'none' ? NONE_DRIVER_CHAIN.slice(1) : undefined)
          if (a.kind === 'unconfirmed') return await stuck('Maintenance', a.message)
          const v = a.verdict
          const maintenance: MaintenanceResult =
            v.kind === 'ok'
              ? { ok: true, output: v.output }
              : {
                  ok: false,
                  output: '',
                  reason: v.kind === 'failed' ? v.message : 'the Maintenance script disappeared before it could run'
                }
          const next = {
            ...identityOf(state),
            phase: 'ExitMaintenance' as const,
            startdate: state.startdate,
            maintenance,
            migrated: state.migrated
          }
          if (driver.kind === 'none') {
            // `none` gives nothing back on exit: the result is recorded with the slot's release, one
            // write instead of two (issue 12). A crash before it re-attaches to the finished
            // Maintenance stage and gets its result again, as a crash before the save did.
            const end = await leave(next)
            if (end) return end
            break
          }
          await save(next, takeFinished())
          break
        }
        case 'ExitMaintenance': {
          let exited: { ok: true } | { ok: false; reason: string }
          try {
            const outcome = await driver.exit(
              (await driverContext({ announced: [], migrated: state.migrated ?? [] })).ctx
            )
            exited = outcome.kind === 'exited' ? { ok: true } : { ok: false, reason: outcome.reason }
          } catch (err) {
            if (err instanceof LeaseLostError || lease.lost) throw new LeaseLostError(host.clusterId)
            exited = { ok: false, reason: connectionFailure(err) }
          }
          if (!exited.ok) return await stuck('ExitMaintenance', exited.reason)
          const end = await leave(state)
          if (end) return end
          break
        }
        case 'PostMaintenance': {
          onLastStage?.()
          const a = await attempt('PostMaintenance')
          let done: HostRunState
          if (a.kind === 'judged' && (a.verdict.kind === 'ok' || a.verdict.kind === 'no-script')) {
            done = { ...identityOf(state), phase: 'done', updated: state.updated, finishedAt: new Date().toISOString() }
          } else {
            flushFinished()
            // judgeStage never answers 'avoid' for PostMaintenance: exit 70 is an ordinary failure there.
            const message =
              a.kind === 'unconfirmed' ? a.message : a.verdict.kind === 'failed' ? a.verdict.message : 'failed'
            done = await failHost(outcomeDeps, run, state, 'PostMaintenance', message)
          }
          // The cycle's last write goes back to the caller in flight (CycleResult.saved); marked as
          // handled so that a caller failing before it waits for it leaves no unhandled rejection.
          const saved = save(done, takeFinished())
          saved.catch(() => undefined)
          return { outcome: 'done', state: done, saved }
        }
        case 'done':
          return { outcome: 'done', state }
        default:
          return assertNever(state, 'host phase')
      }
    }
  } finally {
    flushFinished()
    session?.close()
  }
}
