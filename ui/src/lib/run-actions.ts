import type { Capabilities } from './capabilities.js'
import type { Role, RunView } from './api-types.js'

export type RunAction = 'pause' | 'resume' | 'cancel' | 'retry'

const ACTIVE = new Set(['queued', 'running', 'paused'])

export function isActive(status: string): boolean {
  return ACTIVE.has(status)
}

/**
 * Pure: the actions the console offers on a run. A readonly key gets none (docs/console.md: it sees no
 * action it may not take); actions this server lacks are not offered either.
 */
export function runActions(role: Role, run: Pick<RunView, 'status' | 'result'>, caps: Capabilities): RunAction[] {
  if (role !== 'admin') return []
  const out: RunAction[] = []
  switch (run.status) {
    case 'queued':
    case 'running':
      if (caps.pause) out.push('pause')
      out.push('cancel')
      break
    case 'paused':
      if (caps.resume) out.push('resume')
      out.push('cancel')
      break
    case 'failed':
    case 'cancelled':
      if (caps.retry) out.push('retry')
      break
    case 'succeeded':
      // Hosts skipped for a failure (forced, maxFailures) are what a retry is for.
      if (caps.retry && (run.result?.rollingmaintenance.hostsskipped.length ?? 0) > 0) out.push('retry')
      break
  }
  return out
}
