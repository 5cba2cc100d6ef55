import type { FleetView } from './api-types.js'
import type { ScopeSelection } from './scope.js'

/**
 * A dry-run plan as the console shows it. The server's (docs/api.md#operator-controls, shared/dry-run-plan.ts) is read
 * defensively: a field it lacks leaves a blank, never a broken page.
 */
export interface PlanHostRow {
  hostName: string
  action: string
  reason: string
  /** "vm1 → kvm2, vm2 → kvm3" when the plan moves VMs; or the evacuation verdict's reason. */
  evacuation: string
}

export interface PlanClusterRow {
  clusterName: string
  /** Capacity verdict, gate, driver, a run holding it: cluster-level notes, if any. */
  note: string
  hosts: PlanHostRow[]
}

export interface PlanView {
  /** False when a real start would be refused or end at once; undefined when not known (local preview). */
  wouldStart?: boolean | undefined
  problems: string[]
  /** "4 hosts: 3 to maintain, 1 to skip · window closed, opens …" */
  summary: string
  clusters: PlanClusterRow[]
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {})
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
const VERDICT: Record<string, string> = {
  fits: 'capacity fits',
  'does-not-fit': 'capacity does not fit',
  unknown: 'capacity not known yet'
}

function evacuation(h: Record<string, unknown>): string {
  const e = rec(h.evacuation)
  const list = Array.isArray(h.evacuation) ? h.evacuation : e.migrations
  const moves = Array.isArray(list)
    ? list.map((m) => {
        const r = rec(m)
        return `${text(r.vm ?? r.name)} → ${text(r.toName ?? r.to)}`
      })
    : []
  if (moves.length > 0) return moves.join(', ')
  return e.verdict === 'does-not-fit' ? text(e.reason) : ''
}

function clusterNote(c: Record<string, unknown>): string {
  const notes: string[] = []
  const cap = rec(c.capacity)
  if (typeof cap.verdict === 'string' && cap.verdict !== 'fits')
    notes.push([VERDICT[cap.verdict] ?? cap.verdict, text(cap.reason)].filter(Boolean).join(': '))
  if (typeof c.activeRunId === 'string') notes.push(`held by run ${c.activeRunId.slice(0, 8)}`)
  if (Array.isArray(c.gate) && c.gate.length > 0) notes.push(`gate: ${c.gate.map(text).join(' ')}`)
  if (typeof c.maintenanceDriver === 'string' && c.maintenanceDriver !== 'none')
    notes.push(`driver ${c.maintenanceDriver}`)
  return notes.join(' · ')
}

/** Pure: what to show for `{plan}` as the API returns it. */
export function planView(reply: unknown): PlanView {
  const plan = rec(rec(reply).plan ?? reply)
  const clusters = (Array.isArray(plan.clusters) ? plan.clusters : []).map((cv) => {
    const c = rec(cv)
    return {
      clusterName: text(c.clusterName ?? c.name ?? c.clusterId),
      note: clusterNote(c),
      hosts: (Array.isArray(c.hosts) ? c.hosts : []).map((hv) => {
        const h = rec(hv)
        return {
          hostName: text(h.hostName ?? h.name ?? h.hostId),
          action: text(h.action),
          reason: text(h.reason),
          evacuation: evacuation(h)
        }
      })
    }
  })
  const parts: string[] = []
  if (typeof plan.hostsTotal === 'number')
    parts.push(`${plan.hostsTotal} hosts: ${text(plan.hostsToMaintain)} to maintain, ${text(plan.hostsToSkip)} to skip`)
  const win = rec(rec(plan.controls).window)
  if (typeof win.openNow === 'boolean')
    parts.push(
      win.openNow
        ? 'window open now'
        : `window closed${typeof win.opensAt === 'string' ? `, opens ${win.opensAt}` : ''}`
    )
  return {
    wouldStart: typeof plan.wouldStart === 'boolean' ? plan.wouldStart : undefined,
    problems: Array.isArray(plan.problems) ? plan.problems.map(text).filter(Boolean) : [],
    summary: parts.join(' · '),
    clusters
  }
}

/**
 * Pure: what the console can tell without the server's dry run (an older server): the hosts the
 * scope takes in, per cluster in order, and the host checks of docs/user-guide.md#host-checks. PreFlight is not run.
 */
export function localPlan(fleet: FleetView, scope: ScopeSelection): PlanView {
  const rows: PlanClusterRow[] = []
  for (const z of fleet.zones) {
    for (const p of z.pods) {
      for (const c of p.clusters) {
        const hosts = c.hosts.filter(
          (h) =>
            scope.zoneids.includes(z.id) ||
            scope.podids.includes(p.id) ||
            scope.clusterids.includes(c.id) ||
            scope.hostids.includes(h.id)
        )
        if (hosts.length === 0) continue
        rows.push({
          clusterName: c.name,
          note: c.runId ? `held by run ${c.runId.slice(0, 8)}: starting will be refused` : '',
          hosts: hosts.map((h) => {
            const reason = !h.enabled
              ? 'host is disabled'
              : h.hypervisor !== 'KVM'
                ? `hypervisor ${h.hypervisor}, not KVM`
                : h.resourceState !== 'Enabled'
                  ? `already in ${h.resourceState}`
                  : ''
            return { hostName: h.name, action: reason ? 'skip' : 'maintain', reason, evacuation: '' }
          })
        })
      }
    }
  }
  const hosts = rows.flatMap((r) => r.hosts)
  const skip = hosts.filter((h) => h.action === 'skip').length
  return {
    problems: [],
    summary: `${hosts.length} hosts: ${hosts.length - skip} to maintain, ${skip} to skip`,
    clusters: rows
  }
}
