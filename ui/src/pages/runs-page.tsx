import type { PageProps } from '../app.js'
import { RunStatusBadge } from '../components/badge.js'
import { Link } from '../components/link.js'
import { ProgressBar } from '../components/progress-bar.js'
import { describeRequest, fleetNames } from '../lib/names.js'
import { hrefFor } from '../router.js'
import { usePoll } from '../use-poll.js'

export const formatTime = (iso: string | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : ''

/** Recent runs, newest first. */
export function RunsPage({ api, onAuthLost }: PageProps) {
  const runs = usePoll(() => api.runs(100), 3000, onAuthLost)
  const fleet = usePoll(() => api.fleet(), 0, onAuthLost)
  const names = fleetNames(fleet.data)
  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
      </div>
      {runs.error && (
        <p class="alert alert-error" role="alert">
          {runs.error}
        </p>
      )}
      {!runs.data && !runs.error && <p class="muted">Loading runs…</p>}
      {runs.data && runs.data.runs.length === 0 && <p class="muted">No run yet. Start one from the fleet page.</p>}
      {runs.data && runs.data.runs.length > 0 && (
        <table class="runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Hosts done</th>
              <th scope="col">Updated / skipped</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <th scope="row">
                  <Link href={hrefFor.run(r.id)}>
                    <code>{r.id.slice(0, 8)}</code>
                  </Link>
                </th>
                <td data-label="Status">
                  <RunStatusBadge status={r.status} />
                </td>
                <td data-label="Scope">
                  {describeRequest(r.request, names)}
                  {r.request.forced ? ' · forced' : ''}
                </td>
                <td data-label="Created">{formatTime(r.createdAt)}</td>
                <td data-label="Hosts done">
                  <ProgressBar
                    done={r.progress.hostsDone}
                    total={r.progress.hostsTotal}
                    label={`Run ${r.id.slice(0, 8)} progress`}
                  />
                </td>
                <td data-label="Updated / skipped">
                  {r.progress.hostsUpdated} / {r.progress.hostsSkipped}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
