import type { HostConfig } from '../../../shared/types.js'
import type { HostSession } from '../../host-executor.js'
import type { ClusterHostLoad, HostCapacity } from '../../../shared/host-capacity.js'
import type { LibvirtSettings, LibvirtSettingsOf } from './libvirt-settings.js'
import { probeHost, type HostProbe } from './host-probe.js'
import { DOMAIN_PAUSED, PAUSED_STARTING_UP } from './parse-virsh.js'

export interface HostLoad {
  host: HostConfig
  settings?: LibvirtSettings | undefined
  /** Why the host may not receive VMs (undefined: it may). */
  ineligible?: string | undefined
  session?: HostSession | undefined
  probe?: HostProbe | undefined
}

/** docs/inventory.md#libvirt: a target is another host of the cluster that is enabled, KVM, libvirt-managed and not in maintenance. */
export function whyIneligible(
  host: HostConfig,
  settings: LibvirtSettings | undefined,
  unavailable: ReadonlySet<string>
): string | undefined {
  if (!host.enabled) return 'disabled'
  if (host.hypervisor !== 'KVM') return `hypervisor ${host.hypervisor}`
  if (!settings) return 'not managed by the libvirt driver'
  if (unavailable.has(host.id)) return 'in maintenance'
  return undefined
}

/**
 * Probes the given hosts in parallel over their own sessions (left open in the result for the
 * caller to use and close). A host that cannot be reached or read is ineligible, with the reason.
 */
export async function readClusterLoad(
  hosts: readonly HostConfig[],
  opts: {
    settingsOf: LibvirtSettingsOf
    unavailable: ReadonlySet<string>
    openSession(h: HostConfig): Promise<HostSession>
    /** Hosts to probe even when they may not receive VMs (the evacuating ones). */
    alwaysProbe?: ReadonlySet<string>
  }
): Promise<HostLoad[]> {
  return Promise.all(
    hosts.map(async (host): Promise<HostLoad> => {
      const settings = opts.settingsOf(host)
      const ineligible = whyIneligible(host, settings, opts.unavailable)
      if (!settings || (ineligible && !opts.alwaysProbe?.has(host.id))) return { host, settings, ineligible }
      let session: HostSession | undefined
      try {
        session = await opts.openSession(host)
        const probe = await probeHost(session, settings, host)
        return { host, settings, ineligible, session, probe }
      } catch (err) {
        return {
          host,
          settings,
          ineligible: `unreachable: ${err instanceof Error ? err.message : String(err)}`,
          session
        }
      }
    })
  )
}

/** VMs that occupy the host: active domains except the paused copies of incoming migrations. */
export function residentVms(probe: HostProbe): Array<{ name: string; memoryMiB: number }> {
  return probe.domains
    .filter((d) => !(d.state === DOMAIN_PAUSED && d.reason === PAUSED_STARTING_UP))
    .map((d) => ({ name: d.name, memoryMiB: d.memoryMiB }))
}

export function capacityOf(load: HostLoad): HostCapacity | undefined {
  if (!load.probe || !load.settings) return undefined
  return {
    hostId: load.host.id,
    hostName: load.host.name,
    totalMiB: load.probe.memory.totalMiB,
    freeMiB: load.probe.memory.freeMiB,
    reserveMemoryPercent: load.settings.reserveMemoryPercent
  }
}

/** Input of planClusterEvacuation; hosts that could not be read count as holding nothing and taking nothing. */
export function toClusterHostLoad(load: HostLoad): ClusterHostLoad {
  const cap = capacityOf(load) ?? {
    hostId: load.host.id,
    hostName: load.host.name,
    totalMiB: 0,
    freeMiB: 0,
    reserveMemoryPercent: 0
  }
  return {
    ...cap,
    vms: load.probe ? residentVms(load.probe) : [],
    eligible: load.ineligible === undefined && load.probe !== undefined
  }
}

/** "h2 (unreachable: …), h3 (disabled)": appended to a capacity failure so the operator sees why hosts were left out. */
export function describeLeftOut(loads: readonly HostLoad[], except: string): string {
  const out = loads.filter((l) => l.host.id !== except && l.ineligible).map((l) => `${l.host.name} (${l.ineligible})`)
  return out.length ? `; hosts not used as targets: ${out.join(', ')}` : ''
}
