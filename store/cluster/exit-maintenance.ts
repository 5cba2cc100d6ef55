import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { RedisKeys } from '../keys.js'
import type { FencedWrite, LeaseRef } from './lease-ref.js'
import { moveMaintenanceSlot } from './move-maintenance-slot.js'

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
