import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import { formatDate } from '../shared/format-date.js'
import { identityOf, type EvacuationRecord, type HostRunState, type MigrationRecord } from '../shared/host-run-state.js'
import type { HostConfig } from '../shared/types.js'
import type { FencedWrite } from '../store/cluster/lease-ref.js'
import { exitMaintenance, exitMaintenanceUpdated } from '../store/cluster/exit-maintenance.js'
import { setHostResourceState } from '../store/host/set-host-resource-state.js'
import { recordSshFailure } from '../store/metrics/record-ssh-failure.js'
import { recordFinished } from './attempt-stage.js'
import type { HostSession } from './host-executor.js'
import { failHost } from './host-outcome.js'
import type { CycleContext, CycleResult } from './host-cycle-context.js'
import { buildDriverContext } from './maintenance/driver-context.js'
import type { DriverContext } from './maintenance/maintenance-driver.js'
import { connectionFailure } from './stage-decisions.js'

/**
 * Entering and leaving maintenance mode within a host's cycle (docs/user-guide.md#the-host-cycle):
 * the maintenance driver's part and the writes that move the host's resource state and its
 * maintenance slot. The stages around them are in run-host-cycle.ts.
 */

/** A session stand-in for drivers that never touch the host (`none`): nothing is opened for them. */
function noSession(host: HostConfig): HostSession {
  const refuse = (): Promise<never> =>
    Promise.reject(new Error(`no session to ${host.name} was opened for this driver`))
  return { hasStageScript: refuse, runStage: refuse, exec: refuse, cleanup: refuse, close: () => undefined }
}

/**
 * The driver's view of the host. VM events are saved in the host's record (fenced) before they
 * are published, so a worker taking over knows which migrations were announced and which are done.
 */
async function driverContext(
  c: CycleContext,
  record: EvacuationRecord,
  onRecord?: (r: EvacuationRecord) => HostRunState
): Promise<{ ctx: DriverContext; record(): EvacuationRecord }> {
  const { deps, driver, host, run } = c
  if (driver.kind !== 'none') c.session ??= await deps.executor.open(host)
  return buildDriverContext({
    redis: deps.redis,
    keys: deps.keys,
    runId: run.id,
    payload: run.payload,
    host,
    // `none` looks at no other host: no read of their resource states (issue 12: a host cycle's round trips).
    clusterHosts: driver.kind === 'none' ? [host] : (deps.clusterHosts ?? [host]),
    session: c.session ?? noSession(host),
    openSession: (h) => deps.executor.open(h),
    logger: c.log,
    signal: c.lease.signal,
    record,
    save: async (r) => {
      if (onRecord) await c.save(onRecord(r))
    }
  })
}

/** Maintenance mode entered: the host's resource state and phase become Maintenance. */
export async function enteredMaintenance(c: CycleContext, migrated: MigrationRecord[] | undefined): Promise<void> {
  const next: HostRunState = { ...identityOf(c.state), phase: 'Maintenance', startdate: formatDate(), migrated }
  const write = await setHostResourceState(c.deps.redis, c.deps.keys, c.lease, c.run.id, 'Maintenance', next, [
    ...c.takeFinished(),
    c.startedWith('Maintenance')
  ])
  c.fenced(c.announcedBy(write, 'Maintenance'))
  c.state = next
}

/** The EnterMaintenance phase: the driver moves the host into maintenance mode (its VMs away). */
export async function enterMaintenanceMode(
  c: CycleContext,
  state: Extract<HostRunState, { phase: 'EnterMaintenance' }>
): Promise<void> {
  const { deps, driver, host, lease, run } = c
  // Idempotent: after a takeover the driver re-reads where the VMs run and goes on from there.
  let enter: { ok: true } | { ok: false; reason: string }
  const dc = await driverContext(c, state.evacuation ?? { announced: [], migrated: [] }, (evacuation) => ({
    ...identityOf(state),
    phase: 'EnterMaintenance',
    evacuation
  }))
  try {
    const outcome = await driver.enter(dc.ctx)
    enter = outcome.kind === 'entered' ? { ok: true } : { ok: false, reason: outcome.reason }
  } catch (err) {
    if (err instanceof LeaseLostError || lease.lost) throw new LeaseLostError(host.clusterId)
    await recordSshFailure(deps.redis, deps.keys, err)
    enter = { ok: false, reason: connectionFailure(err) }
  }
  if (enter.ok) {
    await enteredMaintenance(c, driver.kind === 'none' ? undefined : dc.record().migrated)
  } else {
    // Nothing ran in maintenance mode: the host leaves the slot; VMs already moved stay where they run.
    const next = await failHost(c.outcomeDeps, run, c.state, 'EnterMaintenance', enter.reason)
    c.fenced(await exitMaintenance(deps.redis, deps.keys, lease, run.id, next))
    c.state = next
  }
}

/**
 * Out of maintenance mode (the driver is done): the slot is released and the host goes on to
 * PostMaintenance, its seq in `hostsupdated` taken in the same write, or fails with Maintenance's
 * failure. Answers the cycle's end when the host turned out stuck.
 */
export async function leaveMaintenance(
  c: CycleContext,
  exiting: Extract<HostRunState, { phase: 'ExitMaintenance' }>
): Promise<CycleResult | undefined> {
  const { deps, host, lease, run } = c
  c.state = exiting
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
    const ended = c.takeFinished()
    const r = await exitMaintenanceUpdated(
      deps.redis,
      deps.keys,
      lease,
      run.id,
      { ...identityOf(exiting), phase: 'PostMaintenance', updated },
      (record) => [
        ...ended,
        { type: 'host.updated', data: { hostId: host.id, hostName: host.name, ...record.updated } },
        c.startedWith('PostMaintenance')
      ]
    )
    // Refused because another host holds the slot: the stage did end, and says so.
    if (r.write.kind === 'busy') recordFinished({ redis: deps.redis, keys: deps.keys }, run.id, ended[0])
    reply = c.fenced(c.announcedBy(r.write, 'PostMaintenance'))
    next = r.state
  } else {
    c.flushFinished()
    next = await failHost(c.outcomeDeps, run, exiting, 'Maintenance', m.reason)
    reply = c.fenced(await exitMaintenance(deps.redis, deps.keys, lease, run.id, next))
  }
  if (reply.kind === 'busy') return await c.stuck('Maintenance', `maintenance slot is held by ${reply.holder}`)
  c.state = next
  return undefined
}

/** The ExitMaintenance phase: the driver takes the host out of maintenance mode, then the slot is released. */
export async function exitMaintenanceMode(
  c: CycleContext,
  state: Extract<HostRunState, { phase: 'ExitMaintenance' }>
): Promise<CycleResult | undefined> {
  let exited: { ok: true } | { ok: false; reason: string }
  try {
    const outcome = await c.driver.exit((await driverContext(c, { announced: [], migrated: state.migrated ?? [] })).ctx)
    exited = outcome.kind === 'exited' ? { ok: true } : { ok: false, reason: outcome.reason }
  } catch (err) {
    if (err instanceof LeaseLostError || c.lease.lost) throw new LeaseLostError(c.host.clusterId)
    exited = { ok: false, reason: connectionFailure(err) }
  }
  if (!exited.ok) return await c.stuck('ExitMaintenance', exited.reason)
  return await leaveMaintenance(c, state)
}
