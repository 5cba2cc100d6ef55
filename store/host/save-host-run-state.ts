import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from '../cluster/lease-ref.js'
import { APPEND_EVENTS_LUA, eventsArgs, notifyAppended, type EventWithWrite } from '../events/events-with-write.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

const fencedSaveLua = luaScript(`${WRITE_HOST_STATE_LUA}${APPEND_EVENTS_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
write_host_state(KEYS[2], KEYS[3], ARGV[2], ARGV[3], false)
return { 'ok', append_events(KEYS[4], KEYS[5], KEYS[6], 4) }
`)

const saveLua = luaScript(`${WRITE_HOST_STATE_LUA}${APPEND_EVENTS_LUA}
write_host_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2], false)
return { 'ok', append_events(KEYS[3], KEYS[4], KEYS[5], 3) }
`)

/**
 * Records a host's progress; fenced by the cluster lease when one is given (cluster jobs), plain
 * for PreFlight jobs. `events` are appended to the run's stream in the same step, after the record.
 */
export async function saveHostRunState(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  state: HostRunState,
  lease?: LeaseRef,
  events: readonly EventWithWrite[] = []
): Promise<FencedWrite> {
  const streamKeys = [keys.run(runId), keys.runEvents(runId), keys.metricsStageDurations()]
  const reply = lease
    ? await fencedSaveLua(
        redis,
        [keys.clusterLease(lease.clusterId), keys.runHosts(runId), keys.runProgress(runId), ...streamKeys],
        [leaseValue(lease), state.hostId, JSON.stringify(state), ...eventsArgs(events)]
      )
    : await saveLua(
        redis,
        [keys.runHosts(runId), keys.runProgress(runId), ...streamKeys],
        [state.hostId, JSON.stringify(state), ...eventsArgs(events)]
      )
  const write = parseFencedReply(reply)
  if (write.kind === 'ok' && events.length > 0) notifyAppended(keys, runId, events, (reply as unknown[])[1])
  return write
}
