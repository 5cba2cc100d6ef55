import type { RedisClient } from '../store/connection.js'
import type { Config } from '../shared/config.js'
import type { DryRunPlan, MaintenanceDriverKind } from '../shared/dry-run-plan.js'
import type { HostResourceState, Inventory, RunRequest } from '../shared/types.js'
import { getCapacitySnapshot } from '../store/cluster/capacity-snapshot.js'
import { getClusterReservations } from '../store/cluster/get-cluster-reservations.js'
import { getHostResourceStates } from '../store/host/get-host-resource-states.js'
import type { RedisKeys } from '../store/keys.js'
import { getRunSummary } from '../store/run/get-run-summary.js'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import { buildDryRunPlan, type KnownPlacement } from './build-dry-run-plan.js'
import { validateRunRequest } from './validate-run-request.js'

/**
 * Dry run (docs/api.md#dry-run): validates the request exactly as a start would, then reads (never writes) what
 * Redis knows: resource states, reservations by runs still active, the libvirt placement recorded
 * at the last reading. No run record, no reservation, no job, no SSH.
 */
export async function planRun(
  deps: { redis: RedisClient; keys: RedisKeys; inventory: Inventory; config: Config },
  request: RunRequest
): Promise<DryRunPlan> {
  const { redis, keys, inventory, config } = deps
  const scope = validateRunRequest(inventory, request)
  const [states, reservations] = await Promise.all([
    getHostResourceStates(redis, keys, scope.hostIds),
    getClusterReservations(redis, keys, scope.clusterIds)
  ])
  // A reservation left by a run that is over is not an overlap: a real start would heal it.
  const activeRuns = new Map<string, string>()
  for (const [clusterId, runId] of reservations) {
    const run = await getRunSummary(redis, keys, runId)
    if (run && !TERMINAL_STATUSES.has(run.status)) activeRuns.set(clusterId, runId)
  }
  const drivers = new Map<string, MaintenanceDriverKind>(
    scope.hostIds.map((id) => [id, inventory.hosts.get(id)!.maintenance.driver])
  )
  const placements = new Map<string, KnownPlacement>()
  for (const clusterId of scope.clusterIds) {
    if (!scope.hostIds.some((id) => inventory.hosts.get(id)!.clusterId === clusterId && drivers.get(id) === 'libvirt'))
      continue
    const snapshot = await getCapacitySnapshot(redis, keys, clusterId)
    if (snapshot) placements.set(clusterId, { readAt: snapshot.readAt, hosts: snapshot.hosts })
  }
  return buildDryRunPlan({
    inventory,
    request,
    scope,
    resourceStates: new Map<string, HostResourceState>([...states].map(([id, s]) => [id, s.state])),
    activeRuns,
    drivers,
    placements,
    defaultTimeoutSec: config.stageTimeoutSec,
    maxParallelClusters: config.maxParallelClusters,
    now: new Date()
  })
}
