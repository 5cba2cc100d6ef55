import type { RedisClient } from '../connection.js'
import type { HostPhase, HostRunState } from '../../shared/host-run-state.js'
import type { HostResourceState, RunStatus } from '../../shared/types.js'
import { APPEND_EVENTS_LUA, eventsArgs, notifyAppended, type EventWithWrite } from '../events/events-with-write.js'
import { WRITE_HOST_STATE_LUA } from '../host/write-host-state-lua.js'
import type { RedisKeys } from '../keys.js'
import { PROGRESS_FIELDS } from '../run/run-progress.js'
import { luaScript } from '../lua-script.js'
import { ReplicaAckError } from '../../shared/errors/replica-ack-error.js'
import { evalWithReplicaAck, replicaAckPolicy } from '../replica-ack.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from './lease-ref.js'

// The slot is the invariant itself: one key per cluster naming the one host that may be between
// PreMaintenance and the exit from maintenance mode. Only the current lease holder may move it,
// and only when it is free or already this host's (a worker resuming a cycle), so both moves are
// idempotent. The host's resource state and its run record change in the same step.
// With ARGV[8] (a marker in the record, '' for none) the run's next `seq` (store/run/next-run-seq.ts)
// is taken in the same step and written where the marker is (after ARGV[9], the field's name): a host
// leaving maintenance mode is appended to `hostsupdated` without a round trip of its own (issue 12).
// A JSON string value cannot contain the marker, whose quotes would be escaped there, so the first
// occurrence is the record's own field. With ARGV[10] ('' for none) the move is made only if the
// cluster's boundary is as quiet as the worker assumed when it decided to start the host without
// reading it (the boundary guard: run status ARGV[11], no stop, no cancel, neither of the
// cluster's progress fields ARGV[12] and ARGV[13] set, the host's record at phase ARGV[14]);
// otherwise nothing is written and the answer is 'boundary'. The events from ARGV[15] on go to the
// run's stream after the move (the same marker filled in the same way), only when the move is made.
const moveLua = luaScript(`${WRITE_HOST_STATE_LUA}${APPEND_EVENTS_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
if ARGV[10] ~= '' then
  local run = redis.call('HMGET', KEYS[6], 'status', 'stopReason', 'cancelRequested')
  local progress = redis.call('HMGET', KEYS[5], ARGV[12], ARGV[13])
  local record = redis.call('HGET', KEYS[4], ARGV[2])
  if run[1] ~= ARGV[11] or (run[2] and run[2] ~= '') or run[3] == '1' or progress[1] or progress[2]
    or not record or cjson.decode(record).phase ~= ARGV[14] then
    return { 'boundary' }
  end
end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return { 'busy', holder } end
local json, seq = ARGV[5], false
if ARGV[8] ~= '' then
  local at = string.find(json, ARGV[8], 1, true)
  if not at then return redis.error_reply('no run seq marker in the host record') end
  seq = redis.call('HINCRBY', KEYS[6], 'seq', 1)
  json = string.sub(json, 1, at - 1) .. ARGV[9] .. seq .. string.sub(json, at + #ARGV[8])
end
if ARGV[7] == 'take' then redis.call('SET', KEYS[2], ARGV[2]) else redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[3], 'state', ARGV[6], 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], json, false)
local ids = append_events(KEYS[6], KEYS[7], KEYS[8], 15, ARGV[8], ARGV[9] .. tostring(seq))
return { 'ok', seq, ids }
`)

/**
 * KEYS of the scripts that move a host within the slot (this one, host/set-host-resource-state):
 * lease, slot, host, the run's records and progress, the run (its seq and event cap), its events,
 * the stage histogram.
 */
export function slotScriptKeys(keys: RedisKeys, clusterId: string, runId: string, hostId: string): string[] {
  return [
    keys.clusterLease(clusterId),
    keys.clusterInMaintenance(clusterId),
    keys.host(hostId),
    keys.runHosts(runId),
    keys.runProgress(runId),
    keys.run(runId),
    keys.runEvents(runId),
    keys.metricsStageDurations()
  ]
}

/** Stands for the run's next seq in a record sent to moveLua: a string where the record has a number. */
const MARK_VALUE = '\u0000run-seq'
/** How JSON.stringify writes the field holding MARK_VALUE; moveLua puts SEQ_FIELD and the seq in its place. */
const SEQ_FIELD = '"seq":'
const RUN_SEQ_MARK = `${SEQ_FIELD}${JSON.stringify(MARK_VALUE)}`

/** What each move leaves the host's resource state at, and how a refusal names it. */
const MOVES: Record<'take' | 'free', { resourceState: HostResourceState; what: string }> = {
  take: { resourceState: 'PrepareForMaintenance', what: 'maintenance slot claim' },
  free: { resourceState: 'Enabled', what: 'maintenance slot release' }
}

/** What the boundary guard requires (docs/api.md#operator-controls: controls act only at the boundary). */
const QUIET_RUN_STATUS: RunStatus = 'running'
const NOT_STARTED_PHASE: HostPhase = 'ready'

/** A guarded claim's answer: the fenced write's, or 'boundary' when the boundary was not quiet (nothing written). */
export type GuardedWrite = FencedWrite | { kind: 'boundary' }

/**
 * Takes or frees the cluster's maintenance slot for the host and records the host's new phase,
 * atomically; the verbs callers use are claimMaintenanceSlot and exitMaintenance.
 */
export async function moveMaintenanceSlot(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  move: 'take' | 'free',
  /** Appended to the run's stream in the same step, when the move is made. */
  events: readonly EventWithWrite[] = []
): Promise<FencedWrite> {
  return unguarded((await moveSlot(redis, keys, lease, runId, state, move, false, () => events)).write)
}

/** An unguarded move never answers 'boundary' (the Lua checks the guard only when asked to). */
function unguarded(write: GuardedWrite): FencedWrite {
  if (write.kind === 'boundary') throw new Error('unguarded slot move answered boundary')
  return write
}

/** Takes the slot as moveMaintenanceSlot does, only if the boundary guard holds (claimMaintenanceSlotIfQuiet). */
export async function takeSlotIfQuiet(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  events: readonly EventWithWrite[]
): Promise<GuardedWrite> {
  return (await moveSlot(redis, keys, lease, runId, state, 'take', false, () => events, true)).write
}

type Updated = Extract<HostRunState, { phase: 'PostMaintenance' }>

/**
 * Frees the slot of a host whose Maintenance succeeded and records it as updated (phase
 * PostMaintenance) with the run's next seq, taken in the same step; `updated.seq` of the given
 * record is ignored. Answers the record as written (its seq filled in) when the write is done.
 * `eventsOf` makes the events appended in the same step from the record: where they carry its
 * `updated.seq`, the stream gets the seq taken.
 */
export async function moveSlotFreeUpdated(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: Updated,
  eventsOf: (record: Updated) => readonly EventWithWrite[] = () => []
): Promise<{ write: FencedWrite; state: Updated }> {
  const { write, seq } = await moveSlot(redis, keys, lease, runId, state, 'free', true, (r) => eventsOf(r as Updated))
  return { write: unguarded(write), state: { ...state, updated: { ...state.updated, seq } } }
}

async function moveSlot(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  move: 'take' | 'free',
  takeRunSeq: boolean,
  eventsOf: (record: HostRunState) => readonly EventWithWrite[],
  guarded = false
): Promise<{ write: GuardedWrite; seq: number }> {
  const { resourceState, what } = MOVES[move]
  const slotKeys = slotScriptKeys(keys, lease.clusterId, runId, state.hostId)
  // MARK_VALUE stands where the seq goes, in the record and in the events made from it.
  const record = takeRunSeq
    ? ({ ...state, updated: { ...(state as Updated).updated, seq: MARK_VALUE as unknown as number } } as Updated)
    : state
  const events = eventsOf(record)
  const args = [
    leaseValue(lease),
    state.hostId,
    runId,
    new Date().toISOString(),
    JSON.stringify(record),
    resourceState,
    move,
    takeRunSeq ? RUN_SEQ_MARK : '',
    takeRunSeq ? SEQ_FIELD : '',
    guarded ? '1' : '',
    QUIET_RUN_STATUS,
    PROGRESS_FIELDS.clusterWait(lease.clusterId),
    PROGRESS_FIELDS.clusterGate(lease.clusterId),
    NOT_STARTED_PHASE,
    ...eventsArgs(events)
  ]
  const { reply, replicas, acked } = await evalWithReplicaAck(redis, moveLua, slotKeys, args)
  if (Array.isArray(reply) && reply[0] === 'boundary') return { write: { kind: 'boundary' }, seq: 0 }
  const write = parseFencedReply(reply)
  // Not confirmed by the replicas: a failover could undo it, so the worker must not go on.
  if (write.kind === 'ok' && !acked) {
    const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
    throw new ReplicaAckError(`${what} of cluster ${lease.clusterId}`, minReplicas, replicas, timeoutMs)
  }
  const seqReply = Array.isArray(reply) ? Number(reply[1]) : NaN
  const seq = Number.isInteger(seqReply) ? seqReply : 0
  if (write.kind === 'ok' && events.length > 0) {
    // The sinks get what the stream holds: the events made again from the record with its seq.
    const written = takeRunSeq
      ? eventsOf({ ...state, updated: { ...(state as Updated).updated, seq } } as Updated)
      : events
    notifyAppended(keys, runId, written, (reply as unknown[])[2])
  }
  return { write, seq }
}
