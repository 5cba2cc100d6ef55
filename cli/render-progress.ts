import type { RunView } from '../shared/run-view.js'

/**
 * The live view `--watch` redraws on a terminal: one line per cluster. Pure, so it is tested
 * without a terminal.
 */
export function renderProgress(view: RunView, elapsedMs: number): string {
  const p = view.progress
  const lines = [
    `run ${view.id}  ${view.status}  ${(elapsedMs / 1000).toFixed(0)} s  hosts ${p.hostsDone}/${p.hostsTotal} done (${p.hostsUpdated} updated, ${p.hostsSkipped} skipped)`,
  ]
  const width = Math.max(7, ...p.clusters.map((c) => c.clusterName.length))
  for (const c of p.clusters) {
    const bar = '#'.repeat(c.hostsDone) + '.'.repeat(Math.max(0, c.hostsTotal - c.hostsDone))
    const now = c.currentHostName ? `${c.currentHostName}: ${c.currentStage ?? ''}` : c.hostsDone === c.hostsTotal ? 'done' : 'waiting'
    lines.push(`  ${c.clusterName.padEnd(width)} [${bar}] ${c.hostsDone}/${c.hostsTotal}  ${now}`)
  }
  return lines.join('\n')
}

/** One plain line per event, for logs and pipes (no terminal control codes). */
export function renderEventLine(type: string, data: Record<string, unknown>, elapsedMs: number): string {
  const t = `[${(elapsedMs / 1000).toFixed(1).padStart(6)} s]`
  const host = typeof data.hostName === 'string' ? data.hostName : ''
  switch (type) {
    case 'stage.started':
      return `${t} ${host} ${String(data.stage)} started`
    case 'stage.finished':
      return `${t} ${host} ${String(data.stage)} finished: ${String(data.result)}${data.exitCode !== null && data.exitCode !== undefined ? ` ${String(data.exitCode)}` : ''} in ${String(data.durationMs)} ms`
    case 'host.updated':
      return `${t} ${host} updated`
    case 'host.skipped':
      return `${t} ${host} skipped: ${String(data.reason)}`
    case 'host.failed':
      return `${t} ${host} FAILED in ${String(data.stage)}: ${String(data.message)}`
    case 'run.finished':
      return `${t} run ${String(data.status)}`
    default:
      return `${t} ${type}`
  }
}
