import { assertNever } from '../shared/assert-never.js'
import type { RunEventBody } from '../shared/run-event.js'
import type { RunView } from '../shared/run-view.js'

/** What the live view shows: the run as last fetched, when each host's current stage began, and "now". */
export interface ProgressState {
  view: RunView
  /** Epoch ms at which each host's current stage started (from `stage.started` events), by host id. */
  stageStartedAt: Record<string, number>
  now: number
}

/** `75_000` → `1m15s`; whole seconds, because the view is redrawn once a second. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/**
 * The live view `--watch` redraws on a terminal: a header for the run, then one line per cluster
 * (hosts done/total, current host and stage, how long that stage has run). Pure, so it is tested
 * without a terminal.
 */
export function renderProgress(state: ProgressState): string {
  const { view, now } = state
  const p = view.progress
  const since = Date.parse(view.startedAt ?? view.createdAt)
  const elapsed = Number.isNaN(since) ? '' : `  ${formatDuration(now - since)}`
  const lines = [
    `run ${view.id}  ${view.status}${elapsed}  hosts ${p.hostsDone}/${p.hostsTotal} done (${p.hostsUpdated} updated, ${p.hostsSkipped} skipped)`
  ]
  const width = Math.max(7, ...p.clusters.map((c) => c.clusterName.length))
  for (const c of p.clusters) {
    const bar = '#'.repeat(c.hostsDone) + '.'.repeat(Math.max(0, c.hostsTotal - c.hostsDone))
    let current: string
    if (c.currentHostName) {
      const startedAt = c.currentHostId ? state.stageStartedAt[c.currentHostId] : undefined
      current = `${c.currentHostName}: ${c.currentStage ?? ''}${startedAt === undefined ? '' : ` ${formatDuration(now - startedAt)}`}`
    } else {
      current = c.hostsDone === c.hostsTotal ? 'done' : 'waiting'
    }
    lines.push(`  ${c.clusterName.padEnd(width)} [${bar}] ${c.hostsDone}/${c.hostsTotal}  ${current}`)
  }
  return lines.join('\n')
}

/** What one event says, without time or host column: shared by the CLI's plain lines and the demo. */
export function describeRunEvent(event: RunEventBody): string {
  switch (event.type) {
    case 'run.started':
      return `run started: ${event.data.hosts} hosts in ${event.data.clusters} clusters`
    case 'stage.started':
      return `${event.data.stage} started`
    case 'stage.finished': {
      const d = event.data
      return `${d.stage} finished: ${d.result}${d.exitCode !== null && d.exitCode !== undefined ? ` ${d.exitCode}` : ''} in ${d.durationMs} ms`
    }
    case 'host.updated':
      return 'updated'
    case 'host.skipped':
      return `skipped: ${event.data.reason}`
    case 'host.failed':
      return `FAILED in ${event.data.stage}: ${event.data.message}`
    case 'vm.migrating':
      return `VM ${event.data.vm} (${event.data.memoryMiB} MiB) -> ${event.data.toName}: live migration started`
    case 'vm.migrated': {
      const d = event.data
      const paused = d.downtimeMs !== undefined ? `, guest paused ${d.downtimeMs} ms` : ''
      return `VM ${d.vm} -> ${d.toName}: running there after ${(d.durationMs / 1000).toFixed(2)} s${paused}`
    }
    case 'vm.migration-failed':
      return `VM ${event.data.vm} -> ${event.data.toName}: migration FAILED, the VM keeps running where it was: ${event.data.reason}`
    case 'run.paused':
      return event.data.reason === 'canary'
        ? `run paused after the canary (${event.data.updated ?? '?'} hosts updated); resume it to go on`
        : `run paused by ${event.data.by ?? 'an operator'}; hosts in their cycle finish it`
    case 'run.resumed':
      return `run resumed by ${event.data.by}`
    case 'run.waiting-window':
      return `cluster ${event.data.clusterId} waits for the maintenance window, opens ${event.data.opensAt}`
    case 'gate.waiting':
      return `gate not passed (attempt ${event.data.attempts}, ${event.data.exitCode === null ? 'no exit status' : `exit ${event.data.exitCode}`}); retrying at ${event.data.retryAt}`
    case 'gate.passed':
      return `gate passed after ${event.data.attempts} attempt${event.data.attempts === 1 ? '' : 's'}`
    case 'run.finished':
      return `run ${event.data.status}`
    default:
      return assertNever(event, 'run event')
  }
}

/** The host an event is about, if any. */
export function eventHostName(event: RunEventBody): string | undefined {
  return 'hostName' in event.data ? event.data.hostName : undefined
}

/** One plain line per event, for logs and pipes (no terminal control codes). */
export function renderEventLine(event: RunEventBody, elapsedMs: number): string {
  const t = `[${(elapsedMs / 1000).toFixed(1).padStart(6)} s]`
  const host = eventHostName(event)
  return host === undefined ? `${t} ${describeRunEvent(event)}` : `${t} ${host} ${describeRunEvent(event)}`
}
