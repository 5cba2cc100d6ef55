import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import type { HostRunState } from '../shared/host-run-state.js'
import type { RedisKeys } from '../store/keys.js'
import { formatDate } from '../shared/format-date.js'
import { stageOutputTail } from '../shared/run-timeline.js'
import type { HostConfig, StageName } from '../shared/types.js'
import type { HeldLease } from './hold-cluster-lease.js'
import type { HostExecutor, HostSession } from './host-executor.js'
import { connectionFailure, failureReason, judgeStage, SKIP_REASONS, type StageVerdict } from './stage-decisions.js'
import { claimMaintenanceSlot } from '../store/cluster/claim-maintenance-slot.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { exitMaintenance } from '../store/cluster/exit-maintenance.js'
import type { FencedReply } from '../store/cluster/lease-ref.js'
import { nextRunSeq } from '../store/run/next-run-seq.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import { recordStageDuration } from '../store/metrics/record-stage-duration.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { setHostResourceState } from '../store/host/set-host-resource-state.js'
import { stopRun } from '../store/run/stop-run.js'

export interface CycleDeps {
  redis: Redis
  keys: RedisKeys
  executor: HostExecutor
  logger: Logger
}

export interface CycleRun {
  id: string
  forced: boolean
  payload?: string | undefined
  timeoutSec: number
}

export type CycleOutcome = 'done' | 'stuck'

type Attempt = { verdict: StageVerdict; unconfirmed?: undefined } | { verdict?: undefined; unconfirmed: string }

/**
 * One host's cycle inside its cluster (spec 3.5): PreMaintenance, maintenance mode, Maintenance,
 * exit, PostMaintenance. Every step is persisted before the next starts and every step can be
 * repeated, so a worker taking over after a crash resumes at the recorded phase; stages already
 * started are re-attached by the executor, never started twice. Returns 'stuck' when the host
 * cannot be taken out of maintenance mode, which stops its cluster.
 */
export async function runHostCycle(
  deps: CycleDeps,
  lease: HeldLease,
  run: CycleRun,
  host: HostConfig,
  initial: HostRunState,
  /** A connection opened ahead of time (while the previous host was in maintenance), if any. */
  preopened?: Promise<HostSession | undefined>,
): Promise<CycleOutcome> {
  const { redis, keys, executor } = deps
  const log = deps.logger.child({ runId: run.id, hostId: host.id, host: host.name, clusterId: host.clusterId })
  let state = initial
  let session: HostSession | undefined = preopened ? await preopened : undefined

  const fenced = (reply: FencedReply): FencedReply => {
    if (reply === 'LEASE_LOST' || lease.lost) throw new LeaseLostError(host.clusterId)
    return reply
  }
  const save = async (next: HostRunState): Promise<void> => {
    fenced(await saveHostRunState(redis, keys, run.id, next, lease))
    state = next
  }
  const skippedState = async (reason: string): Promise<HostRunState> => {
    await emitRunEvent(redis, keys, run.id, 'host.skipped', { hostId: host.id, hostName: host.name, reason })
    return { ...state, phase: 'done', skipped: { reason, seq: await nextRunSeq(redis, keys, run.id) } }
  }
  /** Spec 3.6: forced → skipped with a reason; otherwise the whole run stops starting hosts. */
  const failedState = async (stage: StageName, message: string): Promise<HostRunState> => {
    log.warn({ stage, message }, 'stage failed')
    if (run.forced) return skippedState(failureReason(stage, message))
    await stopRun(redis, keys, run.id, `${stage} failed on host ${host.name}`)
    await emitRunEvent(redis, keys, run.id, 'host.failed', { hostId: host.id, hostName: host.name, stage, message })
    return { ...state, phase: 'done', failure: { stage, message } }
  }
  const attempt = async (stage: StageName): Promise<Attempt> => {
    const startedAt = Date.now()
    try {
      // A worker taking over mid-cycle may find the host rebooting: keep trying as a re-attach would.
      session ??= await executor.open(host, { reattachTimeoutSec: run.timeoutSec })
      await emitRunEvent(redis, keys, run.id, 'stage.started', { hostId: host.id, hostName: host.name, clusterId: host.clusterId, stage })
      const result = await session.runStage({ runId: run.id, stage, payload: run.payload, timeoutSec: run.timeoutSec })
      const exitCode = result.kind === 'exited' ? result.exitCode : null
      const durationMs = Date.now() - startedAt
      log.info({ stage, result: result.kind, exitCode, durationMs }, 'stage finished')
      const verdict = judgeStage(stage, result)
      await recordStageDuration(redis, keys, stage, result.kind === 'timeout' ? 'timeout' : verdict.kind, durationMs / 1000)
      await emitRunEvent(redis, keys, run.id, 'stage.finished', { hostId: host.id, hostName: host.name, clusterId: host.clusterId, stage, result: result.kind, exitCode, durationMs, output: stageOutputTail(result) })
      return { verdict }
    } catch (err) {
      if (err instanceof LeaseLostError) throw err
      await recordSshFailure(redis, keys, err)
      await recordStageDuration(redis, keys, stage, 'unreachable', (Date.now() - startedAt) / 1000)
      session?.close()
      session = undefined
      log.error({ stage, err }, 'stage could not be run or followed to its end')
      return { unconfirmed: connectionFailure(err) }
    }
  }
  /** The host may still be running a stage we cannot see: it must not leave the slot (spec 3.5.5). */
  const stuck = async (stage: StageName, message: string): Promise<CycleOutcome> => {
    const why = `${stage} could not be confirmed finished (${message}); the host stays in maintenance mode until an operator checks it`
    fenced(await setHostResourceState(redis, keys, lease, run.id, 'ErrorInMaintenance', { ...state, phase: 'done', stuckInMaintenance: why }))
    await stopRun(redis, keys, run.id, `host ${host.name} is stuck in maintenance mode`)
    await emitRunEvent(redis, keys, run.id, 'host.failed', { hostId: host.id, hostName: host.name, stage, message: why })
    log.error({ stage, message }, 'host left in ErrorInMaintenance; its cluster stops')
    return 'stuck'
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
              await save(await failedState('PreMaintenance', `host unreachable: ${connectionFailure(err)}`))
              break
            }
          }
          if (!(await session.hasStageScript('Maintenance'))) {
            await save(await skippedState(SKIP_REASONS.noMaintenanceScript))
            break
          }
          const next: HostRunState = { ...state, phase: 'PreMaintenance' }
          const reply = fenced(await claimMaintenanceSlot(redis, keys, lease, run.id, next))
          if (reply !== 'OK') {
            const other = reply.slice('BUSY:'.length)
            await save(await failedState('PreMaintenance', `cannot enter maintenance mode: host ${other} of the same cluster is still in maintenance mode`))
            break
          }
          state = next
          break
        }
        case 'PreMaintenance': {
          const a = await attempt('PreMaintenance')
          if (a.unconfirmed !== undefined) return await stuck('PreMaintenance', a.unconfirmed)
          const v = a.verdict
          if (v.kind === 'ok' || v.kind === 'no-script') {
            const next: HostRunState = { ...state, phase: 'Maintenance', startdate: formatDate() }
            fenced(await setHostResourceState(redis, keys, lease, run.id, 'Maintenance', next))
            state = next
          } else {
            const next = v.kind === 'avoid' ? await skippedState(SKIP_REASONS.premaintenanceAvoid) : await failedState('PreMaintenance', v.message)
            fenced(await exitMaintenance(redis, keys, lease, run.id, next))
            state = next
          }
          break
        }
        case 'Maintenance': {
          const a = await attempt('Maintenance')
          if (a.unconfirmed !== undefined) return await stuck('Maintenance', a.unconfirmed)
          const v = a.verdict
          const maintenance =
            v.kind === 'ok'
              ? { ok: true, output: v.output }
              : { ok: false, output: '', reason: v.kind === 'failed' ? v.message : 'the Maintenance script disappeared before it could run' }
          await save({ ...state, phase: 'ExitMaintenance', maintenance })
          break
        }
        case 'ExitMaintenance': {
          const m = state.maintenance!
          const enddate = formatDate()
          const next: HostRunState = m.ok
            ? {
                ...state,
                phase: 'PostMaintenance',
                updated: { startdate: state.startdate!, enddate, output: m.output, seq: await nextRunSeq(redis, keys, run.id) },
              }
            : await failedState('Maintenance', m.reason ?? 'failed')
          const reply = fenced(await exitMaintenance(redis, keys, lease, run.id, next))
          if (reply !== 'OK') return await stuck('Maintenance', `maintenance slot is held by ${reply.slice(5)}`)
          state = next
          if (m.ok) await emitRunEvent(redis, keys, run.id, 'host.updated', { hostId: host.id, hostName: host.name, ...next.updated })
          break
        }
        case 'PostMaintenance': {
          const a = await attempt('PostMaintenance')
          const v = a.verdict
          if (v && (v.kind === 'ok' || v.kind === 'no-script')) await save({ ...state, phase: 'done' })
          else {
            // judgeStage never answers 'avoid' for PostMaintenance: exit 70 is an ordinary failure there.
            const message = a.unconfirmed ?? (v?.kind === 'failed' ? v.message : 'failed')
            await save(await failedState('PostMaintenance', message))
          }
          break
        }
        case 'done':
          return 'done'
      }
    }
  } finally {
    session?.close()
  }
}
