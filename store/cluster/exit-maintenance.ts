import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { EventWithWrite } from '../events/events-with-write.js'
import type { RedisKeys } from '../keys.js'
import type { FencedWrite, LeaseRef } from './lease-ref.js'
import { moveMaintenanceSlot, moveSlotFreeUpdated } from './move-maintenance-slot.js'

/**
 * Releases the cluster's maintenance slot (only this host's; host back to Enabled) and records the
 * host's new phase, atomically. Idempotent, so a worker resuming a cycle after a crash can call it again.
 */
export function exitMaintenance(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState
): Promise<FencedWrite> {
  return moveMaintenanceSlot(redis, keys, lease, runId, state, 'free')
}

/**
 * exitMaintenance for a host whose Maintenance succeeded: the record (phase PostMaintenance) gets
 * the run's next seq in the same atomic step, which `hostsupdated` is ordered by (one round trip
 * instead of two, issue 12). `updated.seq` of the given record is ignored; the answer carries the
 * record as written.
 */
export function exitMaintenanceUpdated(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: Extract<HostRunState, { phase: 'PostMaintenance' }>,
  /** The events appended in the same step, made from the record as written (its seq included). */
  eventsOf?: (record: Extract<HostRunState, { phase: 'PostMaintenance' }>) => readonly EventWithWrite[]
): Promise<{ write: FencedWrite; state: Extract<HostRunState, { phase: 'PostMaintenance' }> }> {
  return moveSlotFreeUpdated(redis, keys, lease, runId, state, eventsOf)
}
