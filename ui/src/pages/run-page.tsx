import { useState } from 'preact/hooks'
import type { PageProps } from '../app.js'
import { ApiError } from '../api-client.js'
import { RunStatusBadge } from '../components/badge.js'
import { ClusterLanes } from '../components/cluster-lanes.js'
import { EventList } from '../components/event-list.js'
import { Icon } from '../components/icon.js'
import { Link } from '../components/link.js'
import { ProgressBar } from '../components/progress-bar.js'
import { ResultView } from '../components/result-view.js'
import { describeRequest, fleetNames } from '../lib/names.js'
import { runActions, type RunAction } from '../lib/run-actions.js'
import { hrefFor, navigate } from '../router.js'
import { usePoll } from '../use-poll.js'
import { useRunLive } from '../use-run-live.js'
import { formatTime } from './runs-page.js'

const ACTION_LABEL: Record<RunAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel run',
  retry: 'Retry failed hosts'
}
const ACTION_ICON = { pause: 'pause', resume: 'play', cancel: 'stop', retry: 'retry' } as const
const STREAM_LABEL = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  ended: 'complete',
  failed: 'lost'
} as const

interface AuditEntry {
  action: string
  by?: string | undefined
  at: string
  reason?: string | undefined
  runId?: string | undefined
}

/** The run record's audit list (docs/api.md#operator-controls: who started, paused, resumed, cancelled or retried it), read defensively. */
function auditEntries(v: unknown): AuditEntry[] {
  if (!Array.isArray(v)) return []
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined)
  return v.map((e: Record<string, unknown>) => ({
    action: str(e.action) ?? '?',
    by: str(e.by),
    at: str(e.at) ?? '',
    reason: str(e.reason),
    runId: str(e.runId)
  }))
}

/** One run as it happens: lanes per cluster, events, result, and the actions the key may take. */
export function RunPage({ id, api, session, caps, onAuthLost }: PageProps & { id: string }) {
  const live = useRunLive(api, session, id, onAuthLost)
  const fleet = usePoll(() => api.fleet(), 0, onAuthLost)
  const [busy, setBusy] = useState<RunAction | undefined>(undefined)
  const [confirmCancel, setConfirmCancel] = useState(false)
  const [actionError, setActionError] = useState('')
  const { run, timeline } = live

  if (!run || !timeline) {
    return (
      <section>
        <h1>Run {id.slice(0, 8)}</h1>
        {live.error ? (
          <p class="alert alert-error" role="alert">
            {live.error}
          </p>
        ) : (
          <p class="muted">Loading the run…</p>
        )}
      </section>
    )
  }

  // A click handler (`void act(a)`): every failure ends in the page's error line, none is left to await.
  const act = async (action: RunAction) => {
    if (action === 'cancel' && !confirmCancel) return setConfirmCancel(true)
    setConfirmCancel(false)
    setActionError('')
    setBusy(action)
    try {
      const reply = await api.action(run.id, action)
      if (action === 'retry') navigate(hrefFor.run(reply.id))
      else live.setRun(reply)
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        onAuthLost('The API no longer accepts this key pair; sign in again.')
      else setActionError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(undefined)
    }
  }

  const actions = runActions(session.role, run, caps)
  const names = fleetNames(fleet.data)
  const p = run.progress
  const audit = auditEntries(run.audit)
  const by = audit.find((a) => a.action === 'started')?.by
  const retryOf = typeof run.retryOf === 'string' ? run.retryOf : undefined
  const progressNote = typeof p.message === 'string' ? p.message : undefined

  return (
    <section class="run-page">
      <div class="page-head">
        <h1>
          Run <code>{run.id.slice(0, 8)}</code> <RunStatusBadge status={run.status} />
        </h1>
        <p class="muted">
          {describeRequest(run.request, names)}
          {run.request.forced ? ' · forced' : ''}
          {run.request.timeout ? ` · stage timeout ${run.request.timeout} s` : ''}
          {run.request.payload ? ` · payload ${JSON.stringify(run.request.payload)}` : ''}
          {by ? ` · started by ${by}` : ''}
        </p>
        <p class="muted">
          created {formatTime(run.createdAt)}
          {run.startedAt ? ` · started ${formatTime(run.startedAt)}` : ''}
          {run.finishedAt ? ` · finished ${formatTime(run.finishedAt)}` : ''}
          {retryOf && (
            <>
              {' · retry of '}
              <Link href={hrefFor.run(retryOf)}>{retryOf.slice(0, 8)}</Link>
            </>
          )}
        </p>
      </div>
      <div class="run-bar">
        <ProgressBar done={p.hostsDone} total={p.hostsTotal} label="Hosts done" />
        <span>
          <Icon name="check" /> {p.hostsUpdated} updated · <Icon name="skip" /> {p.hostsSkipped} skipped
        </span>
        <span class={`stream stream-${live.stream.state}`} role="status">
          events: {STREAM_LABEL[live.stream.state]}
          {live.stream.detail ? ` (${live.stream.detail})` : ''}
        </span>
        {actions.length > 0 && (
          <div class="actions" role="group" aria-label="Run actions">
            {actions.map((a) => (
              <button
                type="button"
                key={a}
                class={`btn ${a === 'cancel' ? 'btn-danger' : a === 'retry' ? 'btn-primary' : ''}`}
                disabled={busy !== undefined}
                onClick={() => void act(a)}
              >
                <Icon name={ACTION_ICON[a]} />{' '}
                {a === 'cancel' && confirmCancel ? 'Yes, cancel the run' : ACTION_LABEL[a]}
              </button>
            ))}
            {confirmCancel && (
              <button type="button" class="btn btn-quiet" onClick={() => setConfirmCancel(false)}>
                Keep running
              </button>
            )}
          </div>
        )}
      </div>
      {progressNote && (
        <p class="alert alert-info" role="status">
          <Icon name={run.status === 'paused' ? 'pause' : 'clock'} /> {progressNote}
        </p>
      )}
      {(actionError || live.error) && (
        <p class="alert alert-error" role="alert">
          {actionError || live.error}
        </p>
      )}
      <h2>Hosts</h2>
      <ClusterLanes clusters={p.clusters} hosts={timeline.hosts} now={live.now} />
      <div class="run-bottom">
        <section aria-labelledby="result-title" class="card">
          <h2 id="result-title">Result</h2>
          {run.result ? <ResultView result={run.result} /> : <p class="muted">The result appears when the run ends.</p>}
        </section>
        <section aria-labelledby="events-title" class="card">
          <h2 id="events-title">Events</h2>
          <EventList events={timeline.events} />
          {audit.length > 0 && (
            <>
              <h3>Who did what</h3>
              <ul class="audit">
                {audit.map((a, i) => (
                  <li key={i}>
                    <time dateTime={a.at}>{formatTime(a.at)}</time> {a.action}
                    {a.by ? ` by ${a.by}` : ' by rollmaint'}
                    {a.reason ? ` (${a.reason})` : ''}
                    {a.runId && (
                      <>
                        {' → '}
                        <Link href={hrefFor.run(a.runId)}>{a.runId.slice(0, 8)}</Link>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
    </section>
  )
}
