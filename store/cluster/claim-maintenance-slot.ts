import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { EventWithWrite } from '../events/events-with-write.js'
import type { RedisKeys } from '../keys.js'
import type { FencedWrite, LeaseRef } from './lease-ref.js'
import { moveMaintenanceSlot, takeSlotIfQuiet, type GuardedWrite } from './move-maintenance-slot.js'

/** Takes the cluster's maintenance slot for the host (resource state PrepareForMaintenance) and records its new phase, atomically. */
export function claimMaintenanceSlot(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  /** Appended to the run's stream in the same step, when the slot is taken (the stage that starts next). */
  events: readonly EventWithWrite[] = []
): Promise<FencedWrite> {
  return moveMaintenanceSlot(redis, keys, lease, runId, state, 'take', events)
}

/**
 * Claims the slot as claimMaintenanceSlot does, but only if the cluster's boundary is quiet: the run
 * running (not paused), neither stopped nor cancelled, the cluster showing no wait and no gate, the
 * host's record still `ready`. A worker whose own part of the boundary decision says go (no canary,
 * no gate, no soak or window in the way, not draining: workers/controls/cluster-boundary.ts) claims
 * this way without reading the boundary first, one round trip between two hosts instead of two
 * (issue 12). On 'boundary' nothing is written, and the caller reads the boundary and decides as usual.
 */
export function claimMaintenanceSlotIfQuiet(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  events: readonly EventWithWrite[] = []
): Promise<GuardedWrite> {
  return takeSlotIfQuiet(redis, keys, lease, runId, state, events)
}
