import { formatWindowTime, windowState } from '../../shared/controls/maintenance-window.js'
import { canaryPauseDue } from '../../shared/controls/canary.js'
import type { ClusterWait } from '../../shared/run-view.js'
import type { HostConfig, RunRequest } from '../../shared/types.js'
import { emitRunEvent } from '../../store/events/emit-run-event.js'
import { getBoundaryState, setClusterWait, type BoundaryState } from '../../store/run/cluster-boundary-state.js'
import { pauseAfterCanary } from '../../store/run/pause-run.js'
import type { WorkerContext } from '../worker-context.js'
import type { GateWait } from '../../shared/controls/gate-wait.js'
import { DEFAULT_GATE_TIMEOUT_SEC, gateStep } from './gate-decision.js'
import { decideAtBoundary, goesWithoutReading } from './host-boundary.js'
import { gateArgv, runGateCommand } from './run-gate-command.js'

export type BoundaryOutcome =
  | { kind: 'go' }
  | { kind: 'stop'; why: 'cancelled' | 'stopped' }
  | { kind: 'hand-over' }
  /** Sleep as a delayed job (holding no worker and no lease) and look again at `until`. */
  | { kind: 'sleep'; until: number }
  | { kind: 'gate-failed'; message: string }

export interface BoundaryArgs {
  runId: string
  clusterId: string
  /** The host that would start next. */
  host: HostConfig
  request: RunRequest
  /** When the cluster's last host finished its PostMaintenance (epoch ms), for the soak. */
  lastFinishedAt?: number | undefined
  /** The boundary's reads, started earlier by readBoundaryState (with the host's record); read here when absent. */
  read?: Promise<BoundaryState> | undefined
}

/**
 * Starts the boundary's reads now, so they share a round trip with the caller's read of the next
 * host's record (issue 12: between two hosts). A read that ends up unused must not be an unhandled
 * rejection; awaiting the promise still throws its error.
 */
export function readBoundaryState(ctx: WorkerContext, runId: string, clusterId: string): Promise<BoundaryState> {
  const read = getBoundaryState(ctx.redis, ctx.keys, runId, clusterId)
  read.catch(() => undefined)
  return read
}

/**
 * Whether the cluster's next host may start without reading the boundary (goesWithoutReading):
 * its slot claim then checks the rest (claimMaintenanceSlotIfQuiet, issue 12).
 */
export function decidesAlone(
  ctx: Pick<WorkerContext, 'inventory' | 'draining'>,
  args: Pick<BoundaryArgs, 'clusterId' | 'request' | 'lastFinishedAt'>
): boolean {
  const { request } = args
  return goesWithoutReading({
    now: Date.now(),
    draining: ctx.draining.aborted,
    canary: request.canary !== undefined,
    gate: ctx.inventory.clusters.get(args.clusterId)?.gate !== undefined,
    soakUntil: soakUntil(request, args.lastFinishedAt),
    window: request.window
  })
}

/** docs/api.md#operator-controls soakSeconds: until when the cluster soaks after its last host, if it does. */
const soakUntil = (request: RunRequest, lastFinishedAt: number | undefined): number | undefined => {
  const soak = request.soakSeconds ?? 0
  return soak > 0 && lastFinishedAt !== undefined ? lastFinishedAt + soak * 1000 : undefined
}

/** A single gate attempt may not run longer than this, nor past the gate's deadline. */
const MAX_GATE_ATTEMPT_MS = 300_000

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * docs/api.md#operator-controls at the boundary before a cluster's next host, the only place controls act: cancel and
 * stop, draining, pause (and the canary that pauses), soak, window, then the cluster's gate. What the
 * cluster waits for is written to the run's progress and announced once on the event stream; every
 * wait is a sleep of the cluster job, so a worker killed meanwhile changes nothing.
 */
export async function atHostBoundary(ctx: WorkerContext, args: BoundaryArgs): Promise<BoundaryOutcome> {
  const { redis, keys } = ctx
  const { runId, clusterId, host, request } = args
  let state = await (args.read ?? getBoundaryState(redis, keys, runId, clusterId))
  if (request.canary !== undefined && state.status !== 'paused' && !state.cancelled && !state.stopReason) {
    const updated = await pauseAfterCanary(redis, keys, runId, request.canary)
    if (canaryPauseDue({ size: request.canary, updated, alreadyPaused: false })) {
      await emitRunEvent(redis, keys, runId, 'run.paused', { reason: 'canary', updated })
      ctx.logger.info({ runId, canary: request.canary, updated }, 'canary complete: run paused')
      state = { ...state, status: 'paused' }
    }
  }
  const now = Date.now()
  const soak = request.soakSeconds ?? 0
  const decision = decideAtBoundary({
    now,
    cancelled: state.cancelled,
    stopReason: state.stopReason,
    draining: ctx.draining.aborted,
    paused: state.status === 'paused',
    soakUntil: soakUntil(request, args.lastFinishedAt),
    window: request.window
  })
  switch (decision.kind) {
    case 'stop':
      await show(ctx, args, state, undefined, undefined)
      return decision
    case 'hand-over':
      return decision
    case 'wait': {
      let wait: ClusterWait
      if (decision.reason === 'paused') wait = { kind: 'paused' }
      else if (decision.reason === 'soak') wait = { kind: 'soak', until: iso(args.lastFinishedAt! + soak * 1000) }
      else {
        const opens = windowState(request.window!, new Date(now)).opensAt
        wait = { kind: 'window', opensAt: opens ? formatWindowTime(opens) : iso(decision.until) }
        if (state.wait?.kind !== 'window')
          await emitRunEvent(redis, keys, runId, 'run.waiting-window', { clusterId, opensAt: wait.opensAt })
      }
      // The gate of a host that has not started keeps its attempts while the cluster waits.
      await show(ctx, args, state, wait, state.gate?.hostId === host.id ? state.gate : undefined)
      return { kind: 'sleep', until: decision.until }
    }
    case 'go':
      break
  }
  const gate = ctx.inventory.clusters.get(clusterId)?.gate
  if (!gate) {
    await show(ctx, args, state, undefined, undefined)
    return { kind: 'go' }
  }
  return runGate(ctx, args, state, gate)
}

/** Writes the cluster's wait and gate only when they changed (most boundaries change nothing). */
async function show(
  ctx: WorkerContext,
  args: BoundaryArgs,
  state: BoundaryState,
  wait: ClusterWait | undefined,
  gate: GateWait | undefined
): Promise<void> {
  if (JSON.stringify(state.wait) === JSON.stringify(wait) && JSON.stringify(state.gate) === JSON.stringify(gate)) return
  await setClusterWait(ctx.redis, ctx.keys, args.runId, args.clusterId, wait, gate)
}

async function runGate(
  ctx: WorkerContext,
  args: BoundaryArgs,
  state: BoundaryState,
  gate: string[]
): Promise<BoundaryOutcome> {
  const { redis, keys } = ctx
  const { runId, clusterId, host } = args
  const timeoutSec = ctx.inventory.clusters.get(clusterId)?.gateTimeout ?? DEFAULT_GATE_TIMEOUT_SEC
  // A gate already failing for this host (maybe seen by a worker that died since) keeps its clock.
  const started = Date.now()
  const previous = state.gate?.hostId === host.id ? state.gate : undefined
  const since = previous?.since ?? started
  const deadline = since + timeoutSec * 1000
  const attemptMs = Math.max(1000, Math.min(MAX_GATE_ATTEMPT_MS, deadline - started))
  const env: Record<string, string> = {
    ROLLMAINT_STAGE: 'Gate',
    ROLLMAINT_RUN_ID: runId,
    ROLLMAINT_HOST_ID: host.id,
    ROLLMAINT_HOST_NAME: host.name,
    ROLLMAINT_CLUSTER_ID: clusterId,
    ROLLMAINT_PAYLOAD: args.request.payload ?? ''
  }
  const attempt = await runGateCommand(gateArgv(gate, host), env, attemptMs)
  const now = Date.now()
  const wait: GateWait = {
    hostId: host.id,
    since,
    attempts: (previous?.attempts ?? 0) + 1,
    lastExitCode: attempt.exitCode,
    output: attempt.output
  }
  const step = gateStep(wait, attempt.exitCode, now, timeoutSec)
  const log = ctx.logger.child({ runId, clusterId, hostId: host.id })
  switch (step.kind) {
    case 'pass':
      await show(ctx, args, state, undefined, undefined)
      await emitRunEvent(redis, keys, runId, 'gate.passed', {
        clusterId,
        hostId: host.id,
        hostName: host.name,
        attempts: wait.attempts,
        waitedMs: now - since
      })
      log.info({ attempts: wait.attempts }, 'gate passed')
      return { kind: 'go' }
    case 'retry': {
      const shown: ClusterWait = {
        kind: 'gate',
        since: iso(since),
        attempts: wait.attempts,
        lastExitCode: wait.lastExitCode,
        output: wait.output,
        giveUpAt: iso(deadline)
      }
      await setClusterWait(redis, keys, runId, clusterId, shown, wait)
      await emitRunEvent(redis, keys, runId, 'gate.waiting', {
        clusterId,
        hostId: host.id,
        hostName: host.name,
        attempts: wait.attempts,
        exitCode: attempt.exitCode,
        output: attempt.output,
        retryAt: iso(step.at)
      })
      log.info({ attempts: wait.attempts, exitCode: attempt.exitCode }, 'gate not passed; retrying')
      return { kind: 'sleep', until: step.at }
    }
    case 'fail':
      await show(ctx, args, state, undefined, undefined)
      log.warn({ attempts: wait.attempts }, 'gate failed')
      return { kind: 'gate-failed', message: step.message }
  }
}
