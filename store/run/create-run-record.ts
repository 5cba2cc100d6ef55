import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { runEventCap } from '../events/run-event-cap.js'
import { initialProgressFields } from './run-progress.js'
import type { RunRecord } from './run-record.js'

/** What a new run record is written with; the rest of `RunRecord` is filled in as the run goes. */
export type NewRunRecord = Pick<RunRecord, 'id' | 'status' | 'request' | 'createdAt' | 'hostIds' | 'clusterIds'> &
  Partial<Pick<RunRecord, 'audit' | 'retryOf'>>

// KEYS: run, run index, run progress, cluster reservations...; ARGV: run id, score, number of run
// field values, run field/value pairs, progress field/value pairs.
// All reservations are checked before any is taken, so two racing requests cannot both win a
// cluster, and a refused request leaves nothing behind.
const createRunRecordLua = luaScript(`
local conflicts = {}
for i = 4, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder and holder ~= ARGV[1] then
    table.insert(conflicts, tostring(i - 4))
    table.insert(conflicts, holder)
  end
end
if #conflicts > 0 then return conflicts end
for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
local runEnd = 3 + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 4, runEnd))
-- in slices: unpack() of tens of thousands of values would overflow Lua's stack
for i = runEnd + 1, #ARGV, 200 do redis.call('HSET', KEYS[3], unpack(ARGV, i, math.min(i + 199, #ARGV))) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return conflicts
`)

export interface ReservationConflict {
  clusterId: string
  runId: string
}

/** Reserves the run's clusters and writes its record atomically; returns the conflicts instead when any cluster is taken. */
export async function createRunRecord(
  redis: RedisClient,
  keys: RedisKeys,
  run: NewRunRecord,
  /** The cluster of each of `run.hostIds`, for the progress totals. */
  hostClusterIds: string[]
): Promise<ReservationConflict[]> {
  const fields: Record<string, string> = {
    id: run.id,
    status: run.status,
    request: JSON.stringify(run.request),
    createdAt: run.createdAt,
    hostIds: JSON.stringify(run.hostIds),
    clusterIds: JSON.stringify(run.clusterIds),
    seq: '0',
    audit: JSON.stringify(run.audit ?? []),
    eventCap: String(runEventCap(run.hostIds.length))
  }
  if (run.retryOf) fields.retryOf = run.retryOf
  const runValues = Object.entries(fields).flat()
  const reply = (await createRunRecordLua(
    redis,
    [keys.run(run.id), keys.runIndex(), keys.runProgress(run.id), ...run.clusterIds.map((c) => keys.clusterRun(c))],
    [
      run.id,
      Date.parse(run.createdAt),
      runValues.length,
      ...runValues,
      ...Object.entries(initialProgressFields(hostClusterIds)).flat()
    ]
  )) as string[]
  const conflicts: ReservationConflict[] = []
  for (let i = 0; i < reply.length; i += 2) {
    conflicts.push({ clusterId: run.clusterIds[Number(reply[i])]!, runId: reply[i + 1]! })
  }
  return conflicts
}
