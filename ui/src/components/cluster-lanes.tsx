import { useState } from 'preact/hooks'
import type { ClusterProgressView, HostLane, StageSpan } from '../lib/api-types.js'
import { formatDuration, spanGeometry, timelineBounds } from '../lib/timeline-geometry.js'
import { LaneStatusBadge, OUTCOME, OutcomeBadge } from './badge.js'
import { Icon } from './icon.js'

const SHORT: Record<string, string> = {
  PreFlight: 'PF',
  PreMaintenance: 'Pre',
  EnterMaintenance: 'Enter',
  Maintenance: 'Maint',
  ExitMaintenance: 'Exit',
  PostMaintenance: 'Post'
}

const spanText = (s: StageSpan, now: number): string => {
  const took = s.durationMs ?? (s.finishedAt ? Date.parse(s.finishedAt) : now) - Date.parse(s.startedAt)
  const exit = typeof s.exitCode === 'number' ? `, exit ${s.exitCode}` : ''
  return `${s.stage}: ${OUTCOME[s.outcome]?.label ?? s.outcome}${exit}, ${formatDuration(took)}`
}

/** Where the cluster is now: from the live time line first (events), else from the run's progress counters. */
/** What a cluster waits for (docs/api.md#operator-controls: pause, window, soak, gate), in words. */
export function clusterWaiting(c: ClusterProgressView): string {
  const w = c.waiting as Record<string, unknown> | undefined
  if (!w || typeof w.kind !== 'string') return ''
  const time = (v: unknown) => (typeof v === 'string' ? new Date(v).toLocaleTimeString() : '?')
  switch (w.kind) {
    case 'paused':
      return ' · paused'
    case 'window':
      return ` · waiting for the window (opens ${typeof w.opensAt === 'string' ? new Date(w.opensAt).toLocaleString() : '?'})`
    case 'soak':
      return ` · soaking until ${time(w.until)}`
    case 'gate':
      return ` · gate not passed yet (${String(w.attempts ?? '?')} tries, last exit ${String(w.lastExitCode ?? '?')})`
    default:
      return ` · waiting (${w.kind})`
  }
}

function clusterNow(c: ClusterProgressView, hosts: HostLane[]): string {
  for (const h of hosts) {
    if (h.clusterId !== c.clusterId) continue
    const running = h.stages.find((s) => s.outcome === 'running' && s.stage !== 'PreFlight')
    if (running) return ` · now ${h.hostName} in ${running.stage}`
  }
  if (c.currentHostName) return ` · now ${c.currentHostName}${c.currentStage ? ` in ${c.currentStage}` : ''}`
  return c.currentStage ? ` · ${c.currentStage}` : ''
}

/**
 * One lane per cluster; in it each host's stages sit on a common time line (position = when,
 * width = how long), coloured by outcome and carrying an icon and a label too. A stage is a
 * button: it shows that stage's output tail.
 */
export function ClusterLanes({
  clusters,
  hosts,
  now
}: {
  clusters: ClusterProgressView[]
  hosts: HostLane[]
  now: number
}) {
  const bounds = timelineBounds(hosts, now)
  const known = new Set(clusters.map((c) => c.clusterId))
  const extra: ClusterProgressView[] = [...new Set(hosts.map((h) => h.clusterId))]
    .filter((id) => !known.has(id))
    .map((id) => ({ clusterId: id, clusterName: id, hostsTotal: 0, hostsDone: 0 }))
  return (
    <div class="lanes">
      {bounds && (
        <p class="axis muted" aria-hidden="true">
          <span>{new Date(bounds.start).toLocaleTimeString()}</span>
          <span>{new Date(bounds.end).toLocaleTimeString()}</span>
        </p>
      )}
      {[...clusters, ...extra].map((c) => (
        <section
          class="lane card"
          key={c.clusterId}
          aria-labelledby={`lane-${c.clusterId}`}
          data-cluster={c.clusterName}
        >
          <header class="lane-head">
            <h3 id={`lane-${c.clusterId}`}>Cluster {c.clusterName}</h3>
            <span class="muted">
              {c.hostsDone}/{c.hostsTotal} done{clusterNow(c, hosts)}
              {clusterWaiting(c)}
            </span>
          </header>
          <ol class="lane-hosts">
            {hosts
              .filter((h) => h.clusterId === c.clusterId)
              .map((h) => (
                <HostRow key={h.hostId} lane={h} bounds={bounds} now={now} />
              ))}
          </ol>
        </section>
      ))}
    </div>
  )
}

function HostRow({
  lane,
  bounds,
  now
}: {
  lane: HostLane
  bounds: { start: number; end: number } | undefined
  now: number
}) {
  const [selected, setSelected] = useState<number | undefined>(undefined)
  const current = lane.stages.find((s) => s.outcome === 'running')
  const chosen = selected !== undefined ? lane.stages[selected] : undefined
  return (
    <li class="lane-host" data-host={lane.hostName} data-status={lane.status}>
      <div class="lane-label">
        <strong>{lane.hostName}</strong>
        <LaneStatusBadge status={lane.status} />
        {current && (
          <span class="current-stage" data-stage={current.stage}>
            now: {current.stage} ({formatDuration(now - Date.parse(current.startedAt))})
          </span>
        )}
      </div>
      <div class="track" role="group" aria-label={`Stages of ${lane.hostName}`}>
        <div class="track-inner">
          {bounds &&
            lane.stages.map((s, i) => {
              const g = spanGeometry(s, bounds, now)
              return (
                <button
                  type="button"
                  key={`${s.stage}-${i}`}
                  class={`seg outcome-${s.outcome}${selected === i ? ' selected' : ''}`}
                  style={{ left: `${g.left}%`, width: `${g.width}%` }}
                  aria-pressed={selected === i}
                  aria-label={spanText(s, now)}
                  title={spanText(s, now)}
                  data-stage={s.stage}
                  data-outcome={s.outcome}
                  onClick={() => setSelected(selected === i ? undefined : i)}
                >
                  <Icon name={OUTCOME[s.outcome]?.icon ?? 'dot'} />
                  <span class="seg-label">{SHORT[s.stage] ?? s.stage}</span>
                </button>
              )
            })}
        </div>
      </div>
      {lane.reason && <p class="lane-reason">{lane.reason}</p>}
      {chosen && (
        <div class="stage-detail" aria-live="polite">
          <p>
            <strong>{chosen.stage}</strong> <OutcomeBadge outcome={chosen.outcome} />{' '}
            <span class="sub">
              {typeof chosen.exitCode === 'number' ? `exit ${chosen.exitCode} · ` : ''}
              started {new Date(chosen.startedAt).toLocaleTimeString()}
              {chosen.finishedAt
                ? ` · took ${formatDuration(chosen.durationMs ?? Date.parse(chosen.finishedAt) - Date.parse(chosen.startedAt))}`
                : ' · running'}
            </span>
          </p>
          {chosen.output ? (
            <pre class="output" aria-label={`Output of ${chosen.stage} on ${lane.hostName} (last lines)`}>
              {chosen.output}
            </pre>
          ) : (
            <p class="muted">{chosen.outcome === 'running' ? 'Output appears when the stage ends.' : 'No output.'}</p>
          )}
        </div>
      )}
      {lane.stages.length === 0 && !lane.reason && (
        <p class="muted lane-empty">
          <Icon name="clock" /> waiting
        </p>
      )}
    </li>
  )
}
