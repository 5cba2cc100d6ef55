import { formatWindowTime, windowState } from '../shared/controls/maintenance-window.js'
import { failureLimit } from '../shared/controls/failure-budget.js'
import type {
  CapacityVerdict,
  ClusterPlan,
  DryRunPlan,
  EvacuationPreview,
  HostPlan,
  MaintenanceDriverKind,
  PlanControls
} from '../shared/dry-run-plan.js'
import type { HostResourceState, Inventory, RunRequest } from '../shared/types.js'
import { checkHosts } from '../shared/check-hosts.js'
import type { ResolvedScope } from './resolve-scope.js'
import type { ClusterHostLoad } from '../shared/host-capacity.js'
import { planClusterEvacuation } from '../workers/maintenance/plan-evacuation.js'

/** The evacuation of the hosts the run would maintain, simulated in order on a known placement. */
function evacuationOf(
  clusterName: string,
  placement: KnownPlacement,
  evacuate: string[]
): { capacity: CapacityVerdict; hosts: Map<string, EvacuationPreview> } {
  const plan = planClusterEvacuation({ clusterName, hosts: placement.hosts, evacuate })
  const age = `VM placement as read at ${placement.readAt}`
  const hosts = new Map<string, EvacuationPreview>(
    plan.hosts.map((h) => [
      h.hostId,
      {
        verdict: h.plan.verdict,
        reason: h.plan.verdict === 'fits' ? `every VM fits (${age})` : `${h.plan.reason} (${age})`,
        migrations: h.plan.migrations.map((m) => ({ vm: m.vm, to: m.to, toName: m.toName, memoryMiB: m.memoryMiB }))
      }
    ])
  )
  return {
    capacity: {
      verdict: plan.verdict,
      reason: plan.verdict === 'fits' ? `every host of the run can be evacuated (${age})` : `${plan.reason} (${age})`
    },
    hosts
  }
}

/** VM placement the libvirt driver last read from a cluster's hosts (never read over SSH here). */
export interface KnownPlacement {
  /** ISO time of the reading, shown so the operator knows how fresh the plan is. */
  readAt: string
  hosts: readonly ClusterHostLoad[]
}

export interface DryRunInput {
  inventory: Inventory
  request: RunRequest
  scope: ResolvedScope
  /** Resource states as recorded in Redis (absent = Enabled). */
  resourceStates: ReadonlyMap<string, HostResourceState>
  /** Clusters of the scope reserved by a run that is still active, with that run's id. */
  activeRuns: ReadonlyMap<string, string>
  /** Driver of each host (absent = none). */
  drivers?: ReadonlyMap<string, MaintenanceDriverKind> | undefined
  /** Per cluster, the placement the libvirt driver recorded at its last reading, if any. */
  placements?: ReadonlyMap<string, KnownPlacement> | undefined
  defaultTimeoutSec: number
  maxParallelClusters: number
  now: Date
}

export const RUN_TIME_CHECK =
  'host checks passed; PreFlight, the stage scripts and the gate are checked on the host at run time'
const UNKNOWN_PLACEMENT: CapacityVerdict = {
  verdict: 'unknown',
  reason:
    'VM placement is read from the hosts over SSH at run time (PreFlight checks capacity then); a dry run opens no SSH connection'
}

function controlsOf(input: DryRunInput): PlanControls {
  const { request, now } = input
  const budget = { forced: request.forced, maxFailures: request.maxFailures ?? 0 }
  let window: PlanControls['window']
  if (request.window) {
    const state = windowState(request.window, now)
    window = {
      ...request.window,
      openNow: state.open,
      opensAt: state.opensAt && formatWindowTime(state.opensAt),
      closesAt: state.closesAt && formatWindowTime(state.closesAt)
    }
  }
  return {
    forced: request.forced,
    maxFailures: failureLimit(budget),
    canary: request.canary,
    soakSeconds: request.soakSeconds ?? 0,
    timeout: request.timeout ?? input.defaultTimeoutSec,
    maxParallelClusters: input.maxParallelClusters,
    window
  }
}

/**
 * Dry run (docs/api.md#dry-run), pure: per cluster in processing order, each host with the action a real start
 * would take and why, from what is known without touching a host: the inventory, recorded resource
 * states, active runs and the controls. Script outcomes are not knowable without SSH and say so.
 */
export function buildDryRunPlan(input: DryRunInput): DryRunPlan {
  const { inventory, request, scope } = input
  const problems: string[] = []
  const hosts = scope.hostIds.map((id) => inventory.hosts.get(id)!)
  const checkFailures = new Map(checkHosts(hosts, input.resourceStates).map((f) => [f.hostId, f.reason]))
  // docs/user-guide.md#host-checks with maxFailures: failed checks are skipped within the budget, beyond it nothing is done.
  const budgetOk = request.forced || checkFailures.size <= (request.maxFailures ?? 0)
  if (checkFailures.size > 0 && !budgetOk) {
    problems.push(
      `${checkFailures.size} host${checkFailures.size === 1 ? ' fails' : 's fail'} the host checks and neither forced nor maxFailures allows skipping ` +
        `${checkFailures.size === 1 ? 'it' : 'them'}: the run would end at once with success false and nothing done`
    )
  }
  for (const [clusterId, runId] of input.activeRuns) {
    problems.push(
      `cluster ${inventory.clusters.get(clusterId)?.name ?? clusterId} is in active run ${runId}: a real start would be refused (409)`
    )
  }
  const clusters: ClusterPlan[] = scope.clusterIds.map((clusterId, order) => {
    const cluster = inventory.clusters.get(clusterId)!
    const activeRunId = input.activeRuns.get(clusterId)
    const clusterHosts = hosts.filter((h) => h.clusterId === clusterId)
    const driverOf = (id: string): MaintenanceDriverKind => input.drivers?.get(id) ?? 'none'
    const placement = input.placements?.get(clusterId)
    const evacuate = clusterHosts
      .filter((h) => driverOf(h.id) === 'libvirt' && !checkFailures.has(h.id))
      .map((h) => h.id)
    const evacuation = placement && evacuate.length > 0 ? evacuationOf(cluster.name, placement, evacuate) : undefined
    const planned: HostPlan[] = clusterHosts.map((h) => {
      const driver = driverOf(h.id)
      const failure = checkFailures.get(h.id)
      let action: HostPlan['action'] = 'maintain'
      let reason = RUN_TIME_CHECK
      if (activeRunId) {
        action = 'skip'
        reason = `cluster is in active run ${activeRunId}; a real start would be refused (409)`
      } else if (failure) {
        action = 'skip'
        reason = budgetOk ? failure : `${failure} (the run would end at once: not forced, beyond maxFailures)`
      }
      const plan: HostPlan = { hostId: h.id, hostName: h.name, action, reason, maintenanceDriver: driver }
      if (driver === 'libvirt' && action === 'maintain')
        plan.evacuation = evacuation?.hosts.get(h.id) ?? { ...UNKNOWN_PLACEMENT, migrations: [] }
      return plan
    })
    const drivers = new Set(planned.map((p) => p.maintenanceDriver))
    const result: ClusterPlan = {
      clusterId,
      clusterName: cluster.name,
      order,
      activeRunId,
      gate: cluster.gate,
      gateTimeout: cluster.gate ? (cluster.gateTimeout ?? 1800) : undefined,
      maintenanceDriver: planned[0]?.maintenanceDriver ?? 'none',
      hosts: planned
    }
    if (drivers.has('libvirt')) {
      result.capacity = evacuation?.capacity ?? UNKNOWN_PLACEMENT
      if (result.capacity.verdict === 'does-not-fit') {
        problems.push(`cluster ${cluster.name}: ${result.capacity.reason} (PreFlight would fail)`)
      }
    }
    return result
  })
  const all = clusters.flatMap((c) => c.hosts)
  const hostsToMaintain = all.filter((h) => h.action === 'maintain').length
  if (request.canary !== undefined && request.canary >= hostsToMaintain && hostsToMaintain > 0) {
    problems.push(
      `canary ${request.canary} covers every host the run would maintain (${hostsToMaintain}): it would never pause`
    )
  }
  const controls = controlsOf(input)
  if (controls.window && !controls.window.openNow) {
    problems.push(`the window is closed now; the first host would start at ${controls.window.opensAt}`)
  }
  const wouldStart = input.activeRuns.size === 0 && budgetOk && hostsToMaintain > 0
  if (input.activeRuns.size === 0 && budgetOk && hostsToMaintain === 0) problems.push('no host would be maintained')
  return {
    hostsTotal: all.length,
    hostsToMaintain,
    hostsToSkip: all.length - hostsToMaintain,
    wouldStart,
    problems,
    controls,
    clusters
  }
}
