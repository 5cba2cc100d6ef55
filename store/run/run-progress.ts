import type { HostPhase } from '../../shared/host-run-state.js'
import type { ClusterWait } from '../../shared/run-view.js'

/**
 * A run's progress counters (Redis hash `run:<id>:progress`), kept by the same Lua scripts that
 * write host records, so reading a run's progress costs one small hash instead of every host's
 * record. Field names are shared with the Lua side (`workers/store/write-host-state-lua.ts`).
 */
export const PROGRESS_FIELDS = {
  hosts: 'hosts',
  done: 'done',
  updated: 'updated',
  skipped: 'skipped',
  clusterTotal: (clusterId: string) => `total:${clusterId}`,
  clusterDone: (clusterId: string) => `done:${clusterId}`,
  /** Hosts of the cluster in their PreFlight stage (they run side by side). */
  clusterPreflight: (clusterId: string) => `preflight:${clusterId}`,
  /** The host in its maintenance cycle, as JSON `{"h": hostId, "p": phase}`. */
  clusterActive: (clusterId: string) => `active:${clusterId}`,
  /** docs/api.md#operator-controls: why the cluster does not start its next host now (ClusterWait JSON), while it waits. */
  clusterWait: (clusterId: string) => `wait:${clusterId}`,
  /** docs/api.md#operator-controls: the gate of the cluster's next host while it keeps failing (GateWait JSON). */
  clusterGate: (clusterId: string) => `gate:${clusterId}`
} as const

export interface ClusterCounters {
  total: number
  done: number
  preflight: number
  active?: { hostId: string; phase: HostPhase } | undefined
  wait?: ClusterWait | undefined
}

export interface RunProgressCounters {
  hosts: number
  done: number
  updated: number
  skipped: number
  clusters: Map<string, ClusterCounters>
}

/** The fields a new run starts with: totals per cluster, everything else zero. Pure. */
export function initialProgressFields(hostClusterIds: string[]): Record<string, string> {
  const totals = new Map<string, number>()
  for (const c of hostClusterIds) totals.set(c, (totals.get(c) ?? 0) + 1)
  const fields: Record<string, string> = { [PROGRESS_FIELDS.hosts]: String(hostClusterIds.length) }
  for (const [c, n] of totals) fields[PROGRESS_FIELDS.clusterTotal(c)] = String(n)
  return fields
}

/** Reads the hash as stored; absent fields count 0, a malformed active entry is ignored. Pure. */
export function parseRunProgress(hash: Record<string, string>): RunProgressCounters {
  const num = (v: string | undefined): number => {
    const n = Number(v ?? 0)
    return Number.isFinite(n) && n > 0 ? n : 0
  }
  const clusters = new Map<string, ClusterCounters>()
  const cluster = (id: string): ClusterCounters => {
    let c = clusters.get(id)
    if (!c) clusters.set(id, (c = { total: 0, done: 0, preflight: 0 }))
    return c
  }
  for (const [field, value] of Object.entries(hash)) {
    const colon = field.indexOf(':')
    if (colon < 0) continue
    const kind = field.slice(0, colon)
    const id = field.slice(colon + 1)
    if (kind === 'total') cluster(id).total = num(value)
    else if (kind === 'done') cluster(id).done = num(value)
    else if (kind === 'preflight') cluster(id).preflight = num(value)
    else if (kind === 'active') {
      try {
        const a = JSON.parse(value) as { h?: unknown; p?: unknown }
        if (typeof a.h === 'string' && typeof a.p === 'string')
          cluster(id).active = { hostId: a.h, phase: a.p as HostPhase }
      } catch {
        // a torn value cannot happen (Lua writes it whole); ignoring keeps a view readable regardless
      }
    } else if (kind === 'wait') {
      try {
        const w = JSON.parse(value) as ClusterWait
        if (typeof w === 'object' && w !== null && typeof w.kind === 'string') cluster(id).wait = w
      } catch {
        // written whole by one HSET; see above
      }
    }
  }
  return {
    hosts: num(hash.hosts),
    done: num(hash.done),
    updated: num(hash.updated),
    skipped: num(hash.skipped),
    clusters
  }
}
