import type { RunView } from '../shared/run-view.js'
import { renderTable } from './render-table.js'

/** `rollmaint list`: one run per line (newest first, as the API answers). */
export function renderRunTable(runs: RunView[]): string {
  return renderTable(
    ['ID', 'STATUS', 'CREATED', 'HOSTS'],
    runs.map((r) => [r.id, r.status, r.createdAt, `${r.progress.hostsDone}/${r.progress.hostsTotal}`])
  )
}
