import type { RunView } from '../shared/run-view.js'

/** `rollmaint list`: aligned columns, header first, one run per line (newest first, as the API answers). */
export function renderRunTable(runs: RunView[]): string {
  const header = ['ID', 'STATUS', 'CREATED', 'HOSTS']
  const rows = runs.map((r) => [r.id, r.status, r.createdAt, `${r.progress.hostsDone}/${r.progress.hostsTotal}`])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  // The last column is not padded: no trailing blanks.
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')
}
