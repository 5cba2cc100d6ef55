import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { EventWithWrite } from '../events/events-with-write.js'
import type { RedisKeys } from '../keys.js'
import type { FencedWrite, LeaseRef } from './lease-ref.js'
import { moveMaintenanceSlot } from './move-maintenance-slot.js'

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
