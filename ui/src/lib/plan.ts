import type { FleetView } from './api-types.js'
import type { ScopeSelection } from './scope.js'

/**
 * A dry-run plan (spec 9: per cluster, in order, each host with `action` and `reason`; for the
 * libvirt driver the evacuation VM → target and capacity verdicts), read defensively: field names
 * beyond those are taken as they come, so a richer plan still shows.
 */
export interface PlanHostRow {
  hostName: string
  action: string
  reason: string
  /** "vm1 → kvm2, vm2 → kvm3" when the plan moves VMs. */
  evacuation: string
}

export interface PlanClusterRow {
  clusterName: string
  /** Capacity verdict or other cluster-level note, if any. */
  note: string
  hosts: PlanHostRow[]
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {})
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '')

function evacuation(h: Record<string, unknown>): string {
  const list = h.evacuation ?? h.migrations ?? h.vms ?? rec(h.plan).migrations
  if (!Array.isArray(list)) return ''
  return list
    .map((m) => {
      const r = rec(m)
      return `${text(r.vm ?? r.name)} → ${text(r.toName ?? r.targetName ?? r.to ?? r.target)}`
    })
    .join(', ')
}

function note(c: Record<string, unknown>): string {
  const cap = c.capacity ?? c.verdict
  if (typeof cap === 'string') return cap
  const r = rec(cap)
  const parts = [text(r.verdict ?? r.status ?? (r.ok === true ? 'fits' : r.ok === false ? 'does not fit' : '')), text(r.reason ?? r.message)]
  return parts.filter(Boolean).join(': ')
}

/** Pure: rows to show for `{plan}` as the API returns it (or the plan itself). */
export function planRows(reply: unknown): PlanClusterRow[] {
  const plan = rec(rec(reply).plan ?? reply)
  const clusters = Array.isArray(plan.clusters) ? plan.clusters : Array.isArray(plan) ? (plan as unknown[]) : []
  return clusters.map((cv) => {
    const c = rec(cv)
    const hosts = Array.isArray(c.hosts) ? c.hosts : []
    return {
      clusterName: text(c.clusterName ?? c.name ?? c.clusterId ?? c.id),
      note: note(c),
      hosts: hosts.map((hv) => {
        const h = rec(hv)
        return { hostName: text(h.hostName ?? h.name ?? h.hostId ?? h.id), action: text(h.action), reason: text(h.reason), evacuation: evacuation(h) }
      }),
    }
  })
}

/**
 * Pure: what the console can tell without the server's dry run (an older server): the hosts the
 * scope takes in, per cluster in order, and the host checks of spec 3.2. PreFlight is not run.
 */
export function localPlan(fleet: FleetView, scope: ScopeSelection): PlanClusterRow[] {
  const rows: PlanClusterRow[] = []
  for (const z of fleet.zones) {
    for (const p of z.pods) {
      for (const c of p.clusters) {
        const hosts = c.hosts.filter((h) => scope.zoneids.includes(z.id) || scope.podids.includes(p.id) || scope.clusterids.includes(c.id) || scope.hostids.includes(h.id))
        if (hosts.length === 0) continue
        rows.push({
          clusterName: c.name,
          note: c.runId ? `held by run ${c.runId.slice(0, 8)}: starting will be refused` : '',
          hosts: hosts.map((h) => {
            const reason = !h.enabled ? 'host is disabled' : h.hypervisor !== 'KVM' ? `hypervisor ${h.hypervisor}, not KVM` : h.resourceState !== 'Enabled' ? `already in ${h.resourceState}` : ''
            return { hostName: h.name, action: reason ? 'skip' : 'maintain', reason, evacuation: '' }
          }),
        })
      }
    }
  }
  return rows
}
