import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { HostResourceState } from '../../shared/types.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from '../cluster/lease-ref.js'
import { slotScriptKeys } from '../cluster/move-maintenance-slot.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { APPEND_EVENTS_LUA, eventsArgs, notifyAppended, type EventWithWrite } from '../events/events-with-write.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

// For moves that keep the host in the slot (PrepareForMaintenance, Maintenance, ErrorInMaintenance):
// the writer must hold the lease and the host must own the slot.
const setStateLua = luaScript(`${WRITE_HOST_STATE_LUA}${APPEND_EVENTS_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
local holder = redis.call('GET', KEYS[2])
if holder ~= ARGV[2] then return { 'busy', tostring(holder) } end
redis.call('HSET', KEYS[3], 'state', ARGV[5], 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], ARGV[6], false)
return { 'ok', append_events(KEYS[6], KEYS[7], KEYS[8], 7) }
`)

export async function setHostResourceState(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  resourceState: Extract<HostResourceState, 'PrepareForMaintenance' | 'Maintenance' | 'ErrorInMaintenance'>,
  state: HostRunState,
  /** Appended to the run's stream in the same step, when the write is made. */
  events: readonly EventWithWrite[] = []
): Promise<FencedWrite> {
  const reply = await setStateLua(redis, slotScriptKeys(keys, lease.clusterId, runId, state.hostId), [
    leaseValue(lease),
    state.hostId,
    runId,
    new Date().toISOString(),
    resourceState,
    JSON.stringify(state),
    ...eventsArgs(events)
  ])
  const write = parseFencedReply(reply)
  if (write.kind === 'ok' && events.length > 0) notifyAppended(keys, runId, events, (reply as unknown[])[1])
  return write
}
