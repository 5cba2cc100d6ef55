import type { HostConfig, HostResourceState } from './types.js'

export interface HostCheckFailure {
  hostId: string
  hostName: string
  reason: string
}

const IN_MAINTENANCE: ReadonlySet<HostResourceState> = new Set([
  'PrepareForMaintenance',
  'Maintenance',
  'ErrorInMaintenance'
])

/**
 * docs/user-guide.md#host-checks, pure: which hosts cannot take part. The caller decides what a failure means (skip with
 * `forced`, otherwise the run ends with nothing done).
 */
export function checkHosts(hosts: HostConfig[], states: ReadonlyMap<string, HostResourceState>): HostCheckFailure[] {
  const failures: HostCheckFailure[] = []
  for (const host of hosts) {
    const state = states.get(host.id) ?? 'Enabled'
    let reason: string | undefined
    if (host.hypervisor.toUpperCase() !== 'KVM')
      reason = `Unsupported hypervisor ${host.hypervisor}: rolling maintenance supports KVM hosts only`
    else if (!host.enabled) reason = 'Host is not Enabled (enabled: false in the inventory)'
    else if (IN_MAINTENANCE.has(state)) reason = `Host is already in maintenance (resource state ${state})`
    if (reason) failures.push({ hostId: host.id, hostName: host.name, reason })
  }
  return failures
}
