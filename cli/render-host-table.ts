import type { HostView } from '../shared/run-view.js'
import { renderTable } from './render-table.js'

/** `rollmaint hosts`: one host per line with its resource state and the run that last set it. */
export function renderHostTable(hosts: HostView[]): string {
  return renderTable(
    ['ID', 'NAME', 'CLUSTER', 'STATE', 'SINCE', 'RUN'],
    hosts.map((h) => [h.id, h.name, h.clusterId, h.resourceState, h.since ?? '-', h.runId ?? '-'])
  )
}
