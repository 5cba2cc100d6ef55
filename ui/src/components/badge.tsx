import type { ComponentChildren } from 'preact'
import { Icon, type IconName } from './icon.js'

type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'muted' | 'busy'

interface Look {
  tone: Tone
  icon: IconName
  label: string
}

const RESOURCE: Record<string, Look> = {
  Enabled: { tone: 'ok', icon: 'check', label: 'Enabled' },
  Disabled: { tone: 'muted', icon: 'minus', label: 'Disabled' },
  PrepareForMaintenance: { tone: 'busy', icon: 'spinner', label: 'Preparing for maintenance' },
  Maintenance: { tone: 'info', icon: 'wrench', label: 'Maintenance' },
  ErrorInMaintenance: { tone: 'bad', icon: 'warn', label: 'Error in maintenance' }
}

const RUN: Record<string, Look> = {
  queued: { tone: 'muted', icon: 'clock', label: 'queued' },
  running: { tone: 'busy', icon: 'spinner', label: 'running' },
  paused: { tone: 'warn', icon: 'pause', label: 'paused' },
  succeeded: { tone: 'ok', icon: 'check', label: 'succeeded' },
  failed: { tone: 'bad', icon: 'cross', label: 'failed' },
  cancelled: { tone: 'muted', icon: 'stop', label: 'cancelled' }
}

const LANE: Record<string, Look> = {
  pending: { tone: 'muted', icon: 'clock', label: 'waiting' },
  active: { tone: 'busy', icon: 'spinner', label: 'in progress' },
  updated: { tone: 'ok', icon: 'check', label: 'updated' },
  skipped: { tone: 'warn', icon: 'skip', label: 'skipped' },
  failed: { tone: 'bad', icon: 'cross', label: 'failed' }
}

export const OUTCOME: Record<string, Look> = {
  running: { tone: 'busy', icon: 'spinner', label: 'running' },
  ok: { tone: 'ok', icon: 'check', label: 'ok' },
  avoid: { tone: 'warn', icon: 'skip', label: 'nothing to do' },
  failed: { tone: 'bad', icon: 'cross', label: 'failed' },
  timeout: { tone: 'bad', icon: 'clock', label: 'timed out' },
  missing: { tone: 'muted', icon: 'minus', label: 'no script' }
}

const fallback = (label: string): Look => ({ tone: 'muted', icon: 'dot', label })

function Badge({ look, children }: { look: Look; children?: ComponentChildren }) {
  return (
    <span class={`badge tone-${look.tone}`}>
      <Icon name={look.icon} />
      <span>{children ?? look.label}</span>
    </span>
  )
}

export const ResourceStateBadge = ({ state }: { state: string }) => <Badge look={RESOURCE[state] ?? fallback(state)} />
export const RunStatusBadge = ({ status }: { status: string }) => <Badge look={RUN[status] ?? fallback(status)} />
export const LaneStatusBadge = ({ status }: { status: string }) => <Badge look={LANE[status] ?? fallback(status)} />
export const OutcomeBadge = ({ outcome }: { outcome: string }) => <Badge look={OUTCOME[outcome] ?? fallback(outcome)} />
