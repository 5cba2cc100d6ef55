import { assertNever } from '../shared/assert-never.js'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import { identityOf, type HostRunState, type MaintenanceResult } from '../shared/host-run-state.js'
import type { HostConfig } from '../shared/types.js'
import { claimMaintenanceSlot, claimMaintenanceSlotIfQuiet } from '../store/cluster/claim-maintenance-slot.js'
import { exitMaintenance } from '../store/cluster/exit-maintenance.js'
import { setHostResourceState } from '../store/host/set-host-resource-state.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import type { HeldLease } from './hold-cluster-lease.js'
import {
  makeCycleContext,
  type CycleDeps,
  type CycleOptions,
  type CycleResult,
  type CycleRun
} from './host-cycle-context.js'
import {
  enteredMaintenance,
  enterMaintenanceMode,
  exitMaintenanceMode,
  leaveMaintenance
} from './host-cycle-maintenance-mode.js'
import type { FollowingStage, HostSession } from './host-executor.js'
import { failHost, skipHost } from './host-outcome.js'
import { noneDriver } from './maintenance/none-driver.js'
import { connectionFailure, SKIP_REASONS } from './stage-decisions.js'

/**
 * What follows PreMaintenance on the host when maintenance mode is state only (`none`): Maintenance
 * after PreMaintenance's exit 0 or no script (judgeStage's ok and no-script, both go on), and
 * PostMaintenance after Maintenance's exit 0 (a missing Maintenance script fails the host).
 */
const NONE_DRIVER_CHAIN: readonly FollowingStage[] = [
  { stage: 'Maintenance', after: 'exit-0-or-missing' },
  { stage: 'PostMaintenance', after: 'exit-0' }
]

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
  onLastStage?: () => void,
  options: CycleOptions = {}
): Promise<CycleResult> {
  const driver = deps.driverFor?.(host) ?? noneDriver
  const c = makeCycleContext(deps, lease, run, host, driver, initial, preopened ? await preopened : undefined)
  const { redis, keys, executor } = deps
  const { outcomeDeps } = c

  try {
    for (;;) {
      if (lease.lost) throw new LeaseLostError(host.clusterId)
      const state = c.state
      switch (state.phase) {
        case 'pending':
        case 'PreFlight':
        case 'ready': {
          if (!c.session) {
            try {
              c.session = await executor.open(host)
            } catch (err) {
              // Started without reading the boundary, the cycle writes nothing but a guarded claim:
              // the failure is recorded once the boundary says the host may start at all.
              if (options.ifQuiet) return { outcome: 'recheck', state }
              await recordSshFailure(redis, keys, err)
              // Nothing has started on the host yet, so this is an ordinary failure, not a stuck host.
              await c.save(
                await failHost(outcomeDeps, run, state, 'PreMaintenance', `host unreachable: ${connectionFailure(err)}`)
              )
              break
            }
          }
          if (!(await c.session.hasStageScript('Maintenance'))) {
            if (options.ifQuiet) return { outcome: 'recheck', state }
            await c.save(await skipHost(outcomeDeps, run.id, state, SKIP_REASONS.noMaintenanceScript))
            break
          }
          const next: HostRunState = { ...identityOf(state), phase: 'PreMaintenance' }
          const started = [c.startedWith('PreMaintenance')]
          const claim = options.ifQuiet
            ? claimMaintenanceSlotIfQuiet(redis, keys, lease, run.id, next, started)
            : claimMaintenanceSlot(redis, keys, lease, run.id, next, started)
          const [claimed] = await Promise.all([claim, options.after])
          if (claimed.kind === 'boundary') return { outcome: 'recheck', state }
          const reply = c.fenced(c.announcedBy(claimed, 'PreMaintenance'))
          if (reply.kind === 'busy') {
            const message = `cannot enter maintenance mode: host ${reply.holder} of the same cluster is still in maintenance mode`
            await c.save(await failHost(outcomeDeps, run, state, 'PreMaintenance', message))
            break
          }
          c.state = next
          break
        }
        case 'PreMaintenance': {
          // `none` does nothing between the stages: the host goes on to Maintenance and then
          // PostMaintenance by itself when each stage before ends as judgeStage lets the cycle go
          // on (NONE_DRIVER_CHAIN), and the worker records each result as it comes (issue 12).
          const a = await c.attempt('PreMaintenance', driver.kind === 'none' ? NONE_DRIVER_CHAIN : undefined)
          if (a.kind === 'unconfirmed') return await c.stuck('PreMaintenance', a.message)
          const v = a.verdict
          if ((v.kind === 'ok' || v.kind === 'no-script') && driver.kind === 'none') {
            // `none` does nothing to enter maintenance mode: straight to Maintenance, one write
            // instead of two (issue 12). A crash before it resumes at PreMaintenance, as before.
            await enteredMaintenance(c, undefined)
          } else if (v.kind === 'ok' || v.kind === 'no-script') {
            const next: HostRunState = { ...identityOf(state), phase: 'EnterMaintenance' }
            c.fenced(
              await setHostResourceState(redis, keys, lease, run.id, 'PrepareForMaintenance', next, c.takeFinished())
            )
            c.state = next
          } else {
            c.flushFinished()
            const next =
              v.kind === 'avoid'
                ? await skipHost(outcomeDeps, run.id, state, SKIP_REASONS.premaintenanceAvoid)
                : await failHost(outcomeDeps, run, state, 'PreMaintenance', v.message)
            c.fenced(await exitMaintenance(redis, keys, lease, run.id, next))
            c.state = next
          }
          break
        }
        case 'EnterMaintenance':
          await enterMaintenanceMode(c, state)
          break
        case 'Maintenance': {
          const a = await c.attempt('Maintenance', driver.kind === 'none' ? NONE_DRIVER_CHAIN.slice(1) : undefined)
          if (a.kind === 'unconfirmed') return await c.stuck('Maintenance', a.message)
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
            const end = await leaveMaintenance(c, next)
            if (end) return end
            break
          }
          await c.save(next, c.takeFinished())
          break
        }
        case 'ExitMaintenance': {
          const end = await exitMaintenanceMode(c, state)
          if (end) return end
          break
        }
        case 'PostMaintenance': {
          onLastStage?.()
          const a = await c.attempt('PostMaintenance')
          let done: HostRunState
          if (a.kind === 'judged' && (a.verdict.kind === 'ok' || a.verdict.kind === 'no-script')) {
            done = { ...identityOf(state), phase: 'done', updated: state.updated, finishedAt: new Date().toISOString() }
          } else {
            c.flushFinished()
            // judgeStage never answers 'avoid' for PostMaintenance: exit 70 is an ordinary failure there.
            const message =
              a.kind === 'unconfirmed' ? a.message : a.verdict.kind === 'failed' ? a.verdict.message : 'failed'
            done = await failHost(outcomeDeps, run, state, 'PostMaintenance', message)
          }
          // The cycle's last write goes back to the caller in flight (CycleResult.saved); marked as
          // handled so that a caller failing before it waits for it leaves no unhandled rejection.
          const saved = c.save(done, c.takeFinished())
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
    c.flushFinished()
    c.session?.close()
  }
}
