import type { DryRunPlan } from '../shared/dry-run-plan.js'

/**
 * A dry-run plan as an operator reads it: one block per cluster in processing order, one line per
 * host with its action and reason, then what would stop the run. Pure.
 */
export function renderPlan(plan: DryRunPlan): string {
  const c = plan.controls
  const lines: string[] = [
    `dry run: ${plan.hostsToMaintain} of ${plan.hostsTotal} hosts would be maintained, ${plan.hostsToSkip} skipped` +
      ` (forced ${c.forced}, maxFailures ${c.maxFailures ?? 'unlimited'}, canary ${c.canary ?? 'none'}, soak ${c.soakSeconds} s, stage timeout ${c.timeout} s)`
  ]
  if (c.window) {
    const days = c.window.days?.join(',') ?? 'every day'
    const now = c.window.openNow ? `open now, closes ${c.window.closesAt}` : `closed now, opens ${c.window.opensAt}`
    lines.push(`window: ${c.window.start}-${c.window.end} ${c.window.timezone} (${days}); ${now}`)
  }
  for (const cluster of plan.clusters) {
    const extras = [
      cluster.gate ? `gate: ${cluster.gate.join(' ')} (up to ${cluster.gateTimeout} s)` : undefined,
      cluster.maintenanceDriver !== 'none' ? `driver ${cluster.maintenanceDriver}` : undefined,
      cluster.capacity ? `capacity: ${cluster.capacity.verdict} (${cluster.capacity.reason})` : undefined,
      cluster.activeRunId ? `in active run ${cluster.activeRunId}` : undefined
    ].filter((x) => x !== undefined)
    lines.push(
      `${cluster.order + 1}. cluster ${cluster.clusterName}${extras.length > 0 ? `  [${extras.join('; ')}]` : ''}`
    )
    for (const h of cluster.hosts) {
      lines.push(`   ${h.action.padEnd(8)} ${h.hostName}: ${h.reason}`)
      for (const m of h.evacuation?.migrations ?? [])
        lines.push(`            ${m.vm} -> ${m.toName}${m.memoryMiB ? ` (${m.memoryMiB} MiB)` : ''}`)
      if (h.evacuation && h.evacuation.migrations.length === 0)
        lines.push(`            evacuation: ${h.evacuation.verdict} (${h.evacuation.reason})`)
    }
  }
  for (const p of plan.problems) lines.push(`! ${p}`)
  lines.push(plan.wouldStart ? 'a real start would be accepted' : 'a real start would be refused or end at once')
  return lines.join('\n')
}
