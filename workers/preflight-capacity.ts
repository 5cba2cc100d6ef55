import type { HostRunState } from '../shared/host-run-state.js'
import { saveCapacitySnapshot } from '../store/cluster/capacity-snapshot.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { getHostResourceStates } from '../store/host/get-host-resource-states.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { nextRunSeq } from '../store/run/next-run-seq.js'
import type { RunSnapshot } from '../store/run/get-run-snapshot.js'
import { stopRun } from '../store/run/stop-run.js'
import { checkClusterCapacity } from './maintenance/libvirt/check-cluster-capacity.js'
import { inventoryLibvirtSettings } from './maintenance/libvirt/libvirt-settings.js'
import type { WorkerContext } from './worker-context.js'

export const CAPACITY_FAILED_PREFIX = 'Pre-flight capacity check failed: '

/**
 * docs/inventory.md#capacity-check: once every PreFlight is in, each cluster with libvirt hosts must be able to evacuate
 * every host of the run onto its other hosts. A cluster that cannot is a PreFlight failure naming
 * it, before any host moves: without `forced` the run stops; with it, the hosts that cannot be
 * evacuated are skipped and the others go on. Returns whether anything was recorded.
 */
export async function preflightCapacity(ctx: WorkerContext, snapshot: RunSnapshot): Promise<boolean> {
  const { redis, keys } = ctx
  const { run, hosts } = snapshot
  const ready = hosts.filter((h) => h.phase === 'ready')
  if (ready.length === 0) return false
  // Only libvirt hosts are checked (check-cluster-capacity.ts): a run without any skips the reads.
  if (
    !ready.some((h) => {
      const host = ctx.inventory.hosts.get(h.hostId)
      return host !== undefined && inventoryLibvirtSettings(host) !== undefined
    })
  )
    return false
  const clusterHostIds = [...new Set(ready.flatMap((h) => ctx.inventory.clusters.get(h.clusterId)?.hostIds ?? []))]
  const resource = await getHostResourceStates(redis, keys, clusterHostIds)
  const unavailable = new Set([...resource].filter(([, r]) => r.state !== 'Enabled').map(([id]) => id))
  const verdicts = await checkClusterCapacity(
    ctx,
    ready.map((h) => h.hostId),
    unavailable
  )
  let changed = false
  for (const v of verdicts) {
    if (v.snapshot) await saveCapacitySnapshot(redis, keys, v.snapshot)
    if (v.failing.length === 0) continue
    if (!run.request.forced) await stopRun(redis, keys, run.id, `PreFlight capacity check failed: ${v.reason}`)
    for (const f of v.failing) {
      const state = ready.find((h) => h.hostId === f.hostId)
      if (!state) continue
      const next: HostRunState = run.request.forced
        ? {
            ...state,
            phase: 'done',
            skipped: { reason: CAPACITY_FAILED_PREFIX + f.reason, seq: await nextRunSeq(redis, keys, run.id) }
          }
        : { ...state, phase: 'done', failure: { stage: 'PreFlight', message: `capacity check failed: ${f.reason}` } }
      await saveHostRunState(redis, keys, run.id, next)
      if (next.skipped)
        await emitRunEvent(redis, keys, run.id, 'host.skipped', {
          hostId: state.hostId,
          hostName: state.hostName,
          reason: next.skipped.reason
        })
      else
        await emitRunEvent(redis, keys, run.id, 'host.failed', {
          hostId: state.hostId,
          hostName: state.hostName,
          stage: 'PreFlight',
          message: next.failure!.message
        })
      changed = true
    }
  }
  return changed
}
