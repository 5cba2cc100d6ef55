import type { DriverContext, ExitOutcome, MaintenanceDriver } from '../maintenance-driver.js'
import { evacuateHost } from './evacuate-host.js'
import { probeHost } from './host-probe.js'
import type { LibvirtSettingsOf } from './libvirt-settings.js'
import { migrateVm } from './migrate-vm.js'

/**
 * Plain KVM hosts through libvirt's own tools (docs/inventory.md#maintenance-drivers, libvirt): `virsh` runs on the hosts over the
 * worker's SSH session; the migration itself is libvirt's (`virsh migrate --live`).
 */
export function createLibvirtDriver(settingsOf: LibvirtSettingsOf): MaintenanceDriver {
  return {
    kind: 'libvirt',
    enter: (ctx) => evacuateHost(ctx, settingsOf),
    exit: (ctx) => returnVms(ctx, settingsOf)
  }
}

/**
 * docs/inventory.md#libvirt: VMs stay where they were moved unless `returnVms: true`. Moving them back is best
 * effort: a VM that cannot return keeps running where it is, which never justifies keeping the
 * host in maintenance mode, so it is reported (vm.migration-failed) and the exit still succeeds.
 */
async function returnVms(ctx: DriverContext, settingsOf: LibvirtSettingsOf): Promise<ExitOutcome> {
  const settings = settingsOf(ctx.host)
  if (!settings?.returnVms || !ctx.migrated?.length) return { kind: 'exited' }
  for (const m of ctx.migrated) {
    if (ctx.signal.aborted) break
    const from = ctx.clusterHosts.find((h) => h.id === m.to)
    const fromSettings = from && settingsOf(from)
    if (!from || !fromSettings) continue
    const ev = { hostId: from.id, hostName: from.name, vm: m.vm, to: ctx.host.id, toName: ctx.host.name }
    try {
      const session = await ctx.openSession(from)
      try {
        const probe = await probeHost(session, fromSettings, from)
        const domain = probe.domains.find((d) => d.name === m.vm)
        if (!domain) continue // stopped or moved elsewhere meanwhile: nothing to bring back
        await ctx.emit({ type: 'vm.migrating', ...ev, memoryMiB: domain.memoryMiB })
        const r = await migrateVm({
          vm: m.vm,
          source: from,
          sourceSession: session,
          target: ctx.host,
          targetSession: ctx.session,
          settings: fromSettings,
          targetSettings: settings
        })
        if (r.kind === 'migrated')
          await ctx.emit({ type: 'vm.migrated', ...ev, durationMs: r.durationMs, downtimeMs: r.downtimeMs })
        else if (r.kind === 'failed') await ctx.emit({ type: 'vm.migration-failed', ...ev, reason: r.reason })
      } finally {
        session.close()
      }
    } catch (err) {
      ctx.logger.warn({ err, vm: m.vm }, 'could not return a VM to its host; it keeps running where it is')
    }
  }
  return { kind: 'exited' }
}
