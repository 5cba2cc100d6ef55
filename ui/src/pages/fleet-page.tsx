import { useState } from 'preact/hooks'
import type { PageProps } from '../app.js'
import { ResourceStateBadge } from '../components/badge.js'
import { Link } from '../components/link.js'
import type { FleetCluster, FleetHost, FleetView } from '../lib/api-types.js'
import { countByState, filterFleet, RESOURCE_STATES } from '../lib/fleet-filter.js'
import {
  EMPTY_SCOPE,
  hostsInScope,
  isEmptyScope,
  isSelected,
  toggleScope,
  type ScopeKind,
  type ScopeSelection
} from '../lib/scope.js'
import { hrefFor } from '../router.js'
import { usePoll } from '../use-poll.js'
import { StartDialog } from './start-dialog.js'

const STATE_LABELS: Record<string, string> = {
  Enabled: 'Enabled',
  Disabled: 'Disabled',
  PrepareForMaintenance: 'Preparing for maintenance',
  Maintenance: 'Maintenance',
  ErrorInMaintenance: 'Error in maintenance'
}

/** Zones → pods → clusters → hosts with resource state, the run covering them, VMs where known. */
export function FleetPage(props: PageProps) {
  const { api, session, onAuthLost } = props
  const fleet = usePoll(() => api.fleet(), 4000, onAuthLost)
  const [state, setState] = useState('')
  const [text, setText] = useState('')
  const [scope, setScope] = useState<ScopeSelection>(EMPTY_SCOPE)
  const [dialogOpen, setDialogOpen] = useState(false)
  const admin = session.role === 'admin'

  if (!fleet.data) {
    return (
      <section>
        <h1>Fleet</h1>
        {fleet.error ? (
          <p class="alert alert-error" role="alert">
            {fleet.error}
          </p>
        ) : (
          <p class="muted">Loading the fleet…</p>
        )}
      </section>
    )
  }
  const all = fleet.data
  const shown = filterFleet(all, state, text)
  const counts = countByState(all)
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  const picked = hostsInScope(all, scope)
  const select = (kind: ScopeKind, id: string) => setScope((s) => toggleScope(s, kind, id))

  return (
    <section>
      <div class="page-head">
        <h1>Fleet</h1>
        <p class="muted">
          {total} hosts · {[...counts].map(([s, n]) => `${n} ${STATE_LABELS[s] ?? s}`).join(' · ')}
        </p>
      </div>
      {fleet.error && (
        <p class="alert alert-error" role="alert">
          Could not refresh: {fleet.error}
        </p>
      )}
      <div class="toolbar">
        <div class="field">
          <label for="state-filter">Filter by state</label>
          <select id="state-filter" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">All states ({total})</option>
            {RESOURCE_STATES.map((s) => (
              <option value={s} key={s}>
                {STATE_LABELS[s]} ({counts.get(s) ?? 0})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="host-search">Find host</label>
          <input
            id="host-search"
            type="search"
            placeholder="name or address"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        {admin && (
          <div class="toolbar-action">
            <p class="muted" aria-live="polite">
              {isEmptyScope(scope)
                ? 'Tick zones, pods, clusters or hosts to pick the scope.'
                : `${picked.length} hosts picked`}
            </p>
            <button type="button" class="btn btn-primary" onClick={() => setDialogOpen(true)}>
              Start rolling maintenance…
            </button>
          </div>
        )}
      </div>
      {shown.zones.length === 0 && <p class="muted">No host matches this filter.</p>}
      {shown.zones.map((zone) => (
        <section class="zone" key={zone.id} aria-labelledby={`zone-${zone.id}`}>
          <h2 id={`zone-${zone.id}`}>
            {admin && (
              <ScopeBox kind="zoneids" id={zone.id} label={`zone ${zone.name}`} scope={scope} onToggle={select} />
            )}
            Zone {zone.name}
          </h2>
          {zone.pods.map((pod) => (
            <section class="pod" key={pod.id} aria-labelledby={`pod-${pod.id}`}>
              <h3 id={`pod-${pod.id}`}>
                {admin && (
                  <ScopeBox kind="podids" id={pod.id} label={`pod ${pod.name}`} scope={scope} onToggle={select} />
                )}
                Pod {pod.name}
              </h3>
              <div class="clusters">
                {pod.clusters.map((c) => (
                  <ClusterCard key={c.id} cluster={c} admin={admin} scope={scope} onToggle={select} />
                ))}
              </div>
            </section>
          ))}
        </section>
      ))}
      {admin && dialogOpen && (
        <StartDialog
          {...props}
          fleet={all as FleetView}
          scope={scope}
          onScopeChange={setScope}
          onClose={() => setDialogOpen(false)}
        />
      )}
    </section>
  )
}

function ScopeBox({
  kind,
  id,
  label,
  scope,
  onToggle
}: {
  kind: ScopeKind
  id: string
  label: string
  scope: ScopeSelection
  onToggle(kind: ScopeKind, id: string): void
}) {
  return (
    <input
      type="checkbox"
      class="scope-box"
      aria-label={`Include ${label} in the run`}
      checked={isSelected(scope, kind, id)}
      onChange={() => onToggle(kind, id)}
    />
  )
}

function ClusterCard({
  cluster,
  admin,
  scope,
  onToggle
}: {
  cluster: FleetCluster
  admin: boolean
  scope: ScopeSelection
  onToggle(kind: ScopeKind, id: string): void
}) {
  const showVms = cluster.hosts.some((h) => h.vmCount !== undefined)
  return (
    <article class="card cluster" aria-labelledby={`cluster-${cluster.id}`}>
      <header class="cluster-head">
        <h4 id={`cluster-${cluster.id}`}>
          {admin && (
            <ScopeBox
              kind="clusterids"
              id={cluster.id}
              label={`cluster ${cluster.name}`}
              scope={scope}
              onToggle={onToggle}
            />
          )}
          Cluster {cluster.name}
        </h4>
        {cluster.runId && (
          <Link href={hrefFor.run(cluster.runId)} class="run-chip">
            run {cluster.runId.slice(0, 8)}
          </Link>
        )}
      </header>
      <table class="hosts">
        <thead>
          <tr>
            {admin && (
              <th scope="col">
                <span class="sr-only">Pick</span>
              </th>
            )}
            <th scope="col">Host</th>
            <th scope="col">State</th>
            <th scope="col">Current run</th>
            {showVms && <th scope="col">VMs</th>}
          </tr>
        </thead>
        <tbody>
          {cluster.hosts.map((h) => (
            <HostRow key={h.id} host={h} admin={admin} showVms={showVms} scope={scope} onToggle={onToggle} />
          ))}
        </tbody>
      </table>
    </article>
  )
}

function HostRow({
  host,
  admin,
  showVms,
  scope,
  onToggle
}: {
  host: FleetHost
  admin: boolean
  showVms: boolean
  scope: ScopeSelection
  onToggle(kind: ScopeKind, id: string): void
}) {
  return (
    <tr data-host={host.name}>
      {admin && (
        <td class="pick">
          <ScopeBox kind="hostids" id={host.id} label={`host ${host.name}`} scope={scope} onToggle={onToggle} />
        </td>
      )}
      <th scope="row" class="host-name">
        {host.name}
        <span class="sub">
          {host.address}
          {host.hypervisor !== 'KVM' ? ` · ${host.hypervisor}` : ''}
          {host.driver && host.driver !== 'none' ? ` · ${host.driver}` : ''}
        </span>
      </th>
      <td data-label="State">
        <ResourceStateBadge state={host.resourceState} />
      </td>
      <td data-label="Run">
        {host.runId ? (
          <Link href={hrefFor.run(host.runId)}>
            {host.runId.slice(0, 8)}
            {host.stage ? ` · ${host.stage}` : ''}
          </Link>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      {showVms && (
        <td
          data-label="VMs"
          title={
            host.vmsReadAt
              ? `as read ${new Date(host.vmsReadAt).toLocaleString()}`
              : "not reported by this host's driver"
          }
        >
          {host.vmCount ?? <span class="muted">?</span>}
        </td>
      )}
    </tr>
  )
}
