import type { CloudStackClient, CloudStackObject } from '../../shared/cloudstack/cloudstack-client.js'
import type { DriverContext } from './maintenance-driver.js'

/**
 * Watches CloudStack move the VMs off an evacuating host, so a cloudstack host's run shows the same
 * `vm.migrated` events and `migrated` list as a libvirt one. CloudStack does not tell how long each
 * migration took: `durationMs` is from the prepare call until the VM was first seen running
 * elsewhere, so it is as coarse as the poll interval. Best effort: a failed listing only delays a
 * report, it never fails the maintenance.
 */
export interface VmWatch {
  /** Remembers what runs on the host now (before prepareHostForMaintenance). */
  start(): Promise<void>
  /** Reports VMs gone from the host since `start` that now run on another host. */
  poll(): Promise<void>
}

const nameOf = (vm: CloudStackObject): string => String(vm.instancename ?? vm.name ?? vm.id)

export function createVmWatch(client: CloudStackClient, ctx: DriverContext): VmWatch {
  const hostId = ctx.host.id
  // a takeover must not report again what the previous worker reported
  const reported = new Set((ctx.migrated ?? []).map((m) => m.vm))
  const watched = new Map<string, string>() // CloudStack VM id -> instance name
  let startedAt = Date.now()

  const onHost = async (): Promise<CloudStackObject[]> =>
    client.listAll('listVirtualMachines', 'virtualmachine', { hostid: hostId, listall: true }, ctx.signal)

  return {
    async start() {
      startedAt = Date.now()
      try {
        for (const vm of await onHost()) if (!reported.has(nameOf(vm))) watched.set(String(vm.id), nameOf(vm))
      } catch (err) {
        ctx.logger.debug(
          { hostId, err: (err as Error).message },
          'cannot list the VMs of the host; their moves will not be reported'
        )
      }
    },
    async poll() {
      if (watched.size === 0) return
      try {
        const still = new Set((await onHost()).map((vm) => String(vm.id)))
        for (const [id, name] of watched) {
          if (still.has(id)) continue
          const [where] = await client.listAll(
            'listVirtualMachines',
            'virtualmachine',
            { id, listall: true },
            ctx.signal
          )
          // stopped or destroyed meanwhile is not a migration; a VM in flight shows up on its next poll
          if (!where || where.state !== 'Running' || !where.hostid || where.hostid === hostId) continue
          watched.delete(id)
          reported.add(name)
          await ctx.emit({
            type: 'vm.migrated',
            hostId,
            hostName: ctx.host.name,
            vm: name,
            to: String(where.hostid),
            toName: String(where.hostname ?? where.hostid),
            durationMs: Date.now() - startedAt
          })
        }
      } catch (err) {
        if (ctx.signal.aborted) return
        ctx.logger.debug(
          { hostId, err: (err as Error).message },
          'cannot list the VMs of the host; retrying on the next poll'
        )
      }
    }
  }
}
