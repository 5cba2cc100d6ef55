import type { TimelineEvent } from './api-types.js'
import { stageOutcome } from '../../../shared/run-timeline.js'
import { formatDuration } from './timeline-geometry.js'

const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v))

const OUTCOME_WORDS = {
  ok: 'succeeded',
  avoid: 'says nothing to do',
  failed: 'failed',
  timeout: 'timed out',
  missing: 'has no script',
  running: 'running'
} as const

/** Pure: one line of plain language for an event of the run's stream (unknown types included). */
export function describeEvent(e: Pick<TimelineEvent, 'type' | 'data'>): string {
  const d = e.data
  const host = s(d.hostName ?? d.hostId)
  switch (e.type) {
    case 'run.started':
      return `Run started: ${s(d.hosts)} hosts in ${s(d.clusters)} clusters`
    case 'stage.started':
      return `${host}: ${s(d.stage)} started`
    case 'stage.finished': {
      const outcome = stageOutcome(s(d.stage), d.result, d.exitCode)
      const exit = typeof d.exitCode === 'number' ? `exit ${d.exitCode}, ` : ''
      const took = typeof d.durationMs === 'number' ? formatDuration(d.durationMs) : ''
      return `${host}: ${s(d.stage)} ${OUTCOME_WORDS[outcome]}${took || exit ? ` (${exit}${took})` : ''}`
    }
    case 'host.updated':
      return `${host} updated`
    case 'host.skipped':
      return `${host} skipped: ${s(d.reason)}`
    case 'host.failed':
      return `${host} failed in ${s(d.stage)}: ${s(d.message)}`
    case 'run.paused':
      return `Run paused${d.reason ? ` (${s(d.reason)})` : ''}${d.by ? ` by ${s(d.by)}` : ''}`
    case 'run.resumed':
      return `Run resumed${d.by ? ` by ${s(d.by)}` : ''}`
    case 'run.waiting-window':
      return `Waiting for the maintenance window (opens ${s(d.opensAt)})`
    case 'gate.waiting':
      return `${host}: gate not passed yet (try ${s(d.attempts)}, exit ${s(d.exitCode)})`
    case 'gate.passed':
      return `${host}: gate passed${typeof d.waitedMs === 'number' ? ` after ${formatDuration(d.waitedMs)}` : ''}`
    case 'run.finished':
      return `Run finished: ${s(d.status)}`
    case 'vm.migrating':
      return `${host}: VM ${s(d.vm)} migrating to ${s(d.toName ?? d.to)}`
    case 'vm.migrated':
      return `${host}: VM ${s(d.vm)} migrated to ${s(d.toName ?? d.to)}${typeof d.durationMs === 'number' ? ` in ${formatDuration(d.durationMs)}` : ''}`
    case 'vm.migration-failed':
      return `${host}: VM ${s(d.vm)} could not be migrated: ${s(d.reason ?? d.message)}`
    default: {
      const rest = Object.entries(d)
        .filter(([k]) => k !== 'hostId' && k !== 'clusterId')
        .map(([k, v]) => `${k}=${s(v)}`)
        .join(' ')
      return `${e.type}${rest ? `: ${rest}` : ''}`
    }
  }
}
