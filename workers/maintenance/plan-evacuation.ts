/**
 * Where a host's VMs go when it enters maintenance (docs/inventory.md#libvirt): largest VMs first, each onto the
 * target with the most usable memory left (free memory minus the target's reserve, minus what
 * this plan already put there). Pure: the caller reads VMs and memory from the hosts (or a snapshot).
 */

import type { ClusterHostLoad, HostCapacity, VmLoad } from '../../shared/host-capacity.js'

export interface PlannedMigration {
  vm: string
  memoryMiB: number
  /** Target host id. */
  to: string
  toName: string
}

export type EvacuationPlan =
  | { verdict: 'fits'; migrations: PlannedMigration[] }
  | {
      verdict: 'does-not-fit'
      /** What could be placed before the first VM that fits nowhere. */
      migrations: PlannedMigration[]
      vm: string
      neededMiB: number
      /** Most usable memory left on any target when that VM came up (0 without targets). */
      mostFreeMiB: number
      mostFreeHost?: string | undefined
      reason: string
    }

export interface EvacuationInput {
  host: { id: string; name: string }
  vms: readonly VmLoad[]
  /** Eligible targets in inventory order (ties go to the earlier one). */
  targets: readonly HostCapacity[]
}

export const usableMiB = (t: HostCapacity): number =>
  Math.floor(t.freeMiB - (t.totalMiB * t.reserveMemoryPercent) / 100)

export function planEvacuation({ host, vms, targets }: EvacuationInput): EvacuationPlan {
  const room = targets.map((t) => ({ t, left: usableMiB(t) }))
  // Largest first; equal sizes by name so the plan is the same on every worker.
  const order = [...vms].sort((a, b) => b.memoryMiB - a.memoryMiB || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const migrations: PlannedMigration[] = []
  for (const vm of order) {
    let best: (typeof room)[number] | undefined
    for (const r of room) if (!best || r.left > best.left) best = r
    if (!best || best.left < vm.memoryMiB) {
      const mostFreeMiB = Math.max(0, best?.left ?? 0)
      const reason = best
        ? `VM ${vm.name} of host ${host.name} needs ${vm.memoryMiB} MiB; the most free on another host is ${mostFreeMiB} MiB (${best.t.hostName}, after its ${best.t.reserveMemoryPercent}% reserve)`
        : `VM ${vm.name} of host ${host.name} needs ${vm.memoryMiB} MiB and there is no other eligible host to move it to`
      return {
        verdict: 'does-not-fit',
        migrations,
        vm: vm.name,
        neededMiB: vm.memoryMiB,
        mostFreeMiB,
        mostFreeHost: best?.t.hostName,
        reason
      }
    }
    best.left -= vm.memoryMiB
    migrations.push({ vm: vm.name, memoryMiB: vm.memoryMiB, to: best.t.hostId, toName: best.t.hostName })
  }
  return { verdict: 'fits', migrations }
}

export interface ClusterEvacuationInput {
  clusterName: string
  /** Every host of the cluster in inventory order, with what runs on it now. */
  hosts: readonly ClusterHostLoad[]
  /** Hosts the run will put in maintenance, in processing order. */
  evacuate: readonly string[]
}

export interface ClusterEvacuationPlan {
  verdict: 'fits' | 'does-not-fit'
  /** One line naming the cluster and the first host that cannot be evacuated; `OK` when all fit. */
  reason: string
  hosts: Array<{ hostId: string; hostName: string; plan: EvacuationPlan }>
}

/**
 * docs/inventory.md#capacity-check: every host of the run must be evacuable onto the others of its cluster. The run is
 * simulated in order: VMs moved off one host count against their targets' memory for the hosts
 * that follow (VMs are not moved back), and an evacuated host takes VMs again once it is back.
 * A host that does not fit is recorded and left as it is, so every verdict is reported at once.
 */
export function planClusterEvacuation({ clusterName, hosts, evacuate }: ClusterEvacuationInput): ClusterEvacuationPlan {
  const state = new Map(hosts.map((h) => [h.hostId, { ...h, vms: [...h.vms] }]))
  const out: ClusterEvacuationPlan['hosts'] = []
  for (const id of evacuate) {
    const h = state.get(id)
    if (!h) continue
    const targets = [...state.values()].filter((t) => t.hostId !== id && t.eligible)
    const plan = planEvacuation({ host: { id, name: h.hostName }, vms: h.vms, targets })
    out.push({ hostId: id, hostName: h.hostName, plan })
    if (plan.verdict !== 'fits') continue
    for (const m of plan.migrations) {
      const t = state.get(m.to)!
      t.freeMiB -= m.memoryMiB
      t.vms.push({ name: m.vm, memoryMiB: m.memoryMiB })
      h.freeMiB += m.memoryMiB
    }
    h.vms = []
  }
  const first = out.find((h) => h.plan.verdict !== 'fits')
  return first && first.plan.verdict === 'does-not-fit'
    ? {
        verdict: 'does-not-fit',
        reason: `cluster ${clusterName} cannot evacuate host ${first.hostName}: ${first.plan.reason}`,
        hosts: out
      }
    : { verdict: 'fits', reason: 'OK', hosts: out }
}
