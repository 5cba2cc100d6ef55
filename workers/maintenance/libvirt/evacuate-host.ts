import { setTimeout as sleep } from 'node:timers/promises'
import type { HostConfig } from '../../../shared/types.js'
import type { HostSession } from '../../host-executor.js'
import type { DriverContext, EnterOutcome, Migration } from '../maintenance-driver.js'
import { planEvacuation, type PlannedMigration } from '../plan-evacuation.js'
import { probeHost } from './host-probe.js'
import type { LibvirtSettingsOf } from './libvirt-settings.js'
import { completedJob, domainState, migrateVm } from './migrate-vm.js'
import { DOMAIN_PAUSED, PAUSED_STARTING_UP } from './parse-virsh.js'
import { capacityOf, describeLeftOut, readClusterLoad, residentVms, type HostLoad } from './read-cluster-load.js'

/** Re-plans after VMs appeared during the evacuation (started by someone else); bounded. */
const MAX_ROUNDS = 5
const POLL_MS = 500

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Enter maintenance for the libvirt driver (docs/inventory.md#libvirt). Every round starts from what the hosts
 * say now: the source's VMs and the migrations in flight on it (an earlier worker's included: they
 * are waited for, never started again), the targets' free memory. Only a source with no VM left
 * and nothing in flight is `entered`.
 */
export async function evacuateHost(ctx: DriverContext, settingsOf: LibvirtSettingsOf): Promise<EnterOutcome> {
  const { host, logger } = ctx
  const log = logger.child({ driver: 'libvirt' })
  const settings = settingsOf(host)
  const migrated: Migration[] = []
  const failed = (reason: string): EnterOutcome => ({ kind: 'failed', reason, migrated })
  if (!settings) return failed(`host ${host.name} is not configured for the libvirt driver`)

  const sessions = new Map<string, Promise<HostSession>>()
  const openSession = (h: HostConfig): Promise<HostSession> => {
    let s = sessions.get(h.id)
    if (!s) {
      s = ctx.openSession(h)
      // A failed open is not cached: the next round tries the host again.
      s.catch(() => sessions.delete(h.id))
      sessions.set(h.id, s)
    }
    return s
  }
  const others = ctx.clusterHosts.filter((h) => h.id !== host.id)
  const byId = new Map(ctx.clusterHosts.map((h) => [h.id, h]))
  /** VMs whose fate is unknown to us (announced by an earlier attempt, or busy under another migration). */
  const unaccounted = new Map((ctx.announced ?? []).map((a) => [a.vm, a.to]))
  const recorded = new Set<string>()

  /** A VM that left the source without us seeing the end of its migration: find it and report it. */
  const account = async (vm: string): Promise<void> => {
    if (recorded.has(vm)) return
    const hint = unaccounted.get(vm)
    const candidates = [...(hint ? [hint] : []), ...others.map((h) => h.id).filter((id) => id !== hint)]
    for (const id of candidates) {
      const target = byId.get(id)
      const ts = target && settingsOf(target)
      if (!target || !ts) continue
      try {
        const session = await openSession(target)
        const st = await domainState(session, ts.libvirtUri, vm)
        if (!('state' in st)) continue
        const job = await completedJob(session, ts.libvirtUri, vm)
        const m: Migration = { vm, to: id, durationMs: job.elapsedMs ?? 0 }
        migrated.push(m)
        recorded.add(vm)
        unaccounted.delete(vm)
        await ctx.emit({
          type: 'vm.migrated',
          hostId: host.id,
          hostName: host.name,
          vm,
          to: id,
          toName: target.name,
          durationMs: m.durationMs,
          downtimeMs: job.downtimeMs
        })
        log.info({ vm, to: target.name }, 'VM found on its target after a migration this worker did not start')
        return
      } catch {
        // unreachable target: the VM is reported by whoever sees it next
      }
    }
    unaccounted.delete(vm)
    log.warn({ vm }, 'a VM left the host but was not found on another host of the cluster')
  }

  const waitUntil = Date.now() + settings.migrationTimeout * 1000 + 120_000
  let rounds = 0
  try {
    for (;;) {
      if (ctx.signal.aborted)
        return failed('the cluster lease was lost; the worker that takes the cluster over resumes the evacuation')
      let probe
      try {
        probe = await probeHost(ctx.session, settings, host)
      } catch (err) {
        return failed(message(err))
      }
      const incoming = probe.domains
        .filter((d) => d.state === DOMAIN_PAUSED && d.reason === PAUSED_STARTING_UP)
        .map((d) => d.name)
      const busy = [...new Set([...probe.migrating, ...incoming])]
      const resident = residentVms(probe)
      const here = new Set(resident.map((v) => v.name))
      for (const vm of busy) if (!unaccounted.has(vm)) unaccounted.set(vm, '')
      // Announced or waited-for VMs no longer here (and not still moving): their migration ended under someone else.
      for (const vm of [...unaccounted.keys()]) if (!here.has(vm) && !busy.includes(vm)) await account(vm)
      if (busy.length > 0) {
        if (Date.now() > waitUntil)
          return failed(
            `migrations of ${busy.join(', ')} on host ${host.name}, started earlier, are still running after migrationTimeout`
          )
        log.info({ busy }, 'waiting for migrations already in flight on the host')
        await sleep(POLL_MS)
        continue
      }
      if (resident.length === 0) return { kind: 'entered', migrated }
      if (++rounds > MAX_ROUNDS)
        return failed(`VMs keep appearing on host ${host.name} while it is evacuated: ${[...here].join(', ')}`)

      const loads = await readClusterLoad(others, { settingsOf, unavailable: ctx.unavailableHostIds, openSession })
      const targets = loads
        .filter((l) => l.ineligible === undefined)
        .map(capacityOf)
        .filter((c) => c !== undefined)
      const plan = planEvacuation({ host: { id: host.id, name: host.name }, vms: resident, targets })
      if (plan.verdict === 'does-not-fit')
        return failed(`not enough memory: ${plan.reason}${describeLeftOut(loads, host.id)}`)
      log.info({ round: rounds, plan: plan.migrations.map((m) => `${m.vm}->${m.toName}`) }, 'evacuation plan')

      const failure = await runPlan(plan.migrations, loads)
      if (failure) return failed(failure)
    }
  } finally {
    for (const s of sessions.values()) void s.then((x) => x.close()).catch(() => undefined)
  }

  /** At most maxParallelMigrations at once; after a failure no new migration starts, running ones finish. */
  async function runPlan(plan: readonly PlannedMigration[], loads: readonly HostLoad[]): Promise<string | undefined> {
    let next = 0
    let failure: string | undefined
    const one = async (m: PlannedMigration): Promise<void> => {
      const target = byId.get(m.to)!
      const load = loads.find((l) => l.host.id === m.to)!
      const ev = { hostId: host.id, hostName: host.name, vm: m.vm, to: m.to, toName: m.toName }
      await ctx.emit({ type: 'vm.migrating', ...ev, memoryMiB: m.memoryMiB })
      let r: Awaited<ReturnType<typeof migrateVm>>
      try {
        r = await migrateVm({
          vm: m.vm,
          source: host,
          sourceSession: ctx.session,
          target,
          targetSession: load.session!,
          settings: settings!,
          targetSettings: load.settings!
        })
      } catch (err) {
        r = {
          kind: 'failed',
          reason: `VM ${m.vm} could not be migrated from ${host.name} to ${m.toName}: ${message(err)}`
        }
      }
      if (r.kind === 'migrated') {
        migrated.push({ vm: m.vm, to: m.to, durationMs: r.durationMs })
        recorded.add(m.vm)
        unaccounted.delete(m.vm)
        await ctx.emit({ type: 'vm.migrated', ...ev, durationMs: r.durationMs, downtimeMs: r.downtimeMs })
        log.info({ vm: m.vm, to: m.toName, durationMs: r.durationMs, downtimeMs: r.downtimeMs }, 'VM migrated')
        return
      }
      // Someone else's migration of this VM: the next round waits for it and finds where it went.
      if (r.kind === 'busy' || r.kind === 'gone') {
        unaccounted.set(m.vm, unaccounted.get(m.vm) ?? '')
        return
      }
      const reason = r.reason
      failure ??= reason
      log.warn({ vm: m.vm, to: m.toName, reason }, 'migration failed')
      await ctx.emit({ type: 'vm.migration-failed', ...ev, reason })
    }
    const lane = async (): Promise<void> => {
      while (next < plan.length && failure === undefined && !ctx.signal.aborted) await one(plan[next++]!)
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings!.maxParallelMigrations, plan.length)) }, lane))
    return failure
  }
}
