import type { Redis } from 'ioredis'
import { luaScript } from '../../shared/lua-script.js'
import type { RedisKeys } from '../../shared/redis-keys.js'
import type { RunRecord } from '../../shared/store/run-record.js'

// KEYS: run, run index, cluster reservations...; ARGV: run id, score, field/value pairs.
// All reservations are checked before any is taken, so two racing requests cannot both win a
// cluster, and a refused request leaves nothing behind.
const createRunRecordLua = luaScript(`
local conflicts = {}
for i = 3, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder and holder ~= ARGV[1] then
    table.insert(conflicts, tostring(i - 3))
    table.insert(conflicts, holder)
  end
end
if #conflicts > 0 then return conflicts end
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return conflicts
`)

export interface ReservationConflict {
  clusterId: string
  runId: string
}

/** Reserves the run's clusters and writes its record atomically; returns the conflicts instead when any cluster is taken. */
export async function createRunRecord(redis: Redis, keys: RedisKeys, run: RunRecord): Promise<ReservationConflict[]> {
  const fields: Record<string, string> = {
    id: run.id,
    status: run.status,
    request: JSON.stringify(run.request),
    createdAt: run.createdAt,
    hostIds: JSON.stringify(run.hostIds),
    clusterIds: JSON.stringify(run.clusterIds),
    seq: '0',
  }
  const reply = (await createRunRecordLua(
    redis,
    [keys.run(run.id), keys.runIndex(), ...run.clusterIds.map((c) => keys.clusterRun(c))],
    [run.id, Date.parse(run.createdAt), ...Object.entries(fields).flat()],
  )) as string[]
  const conflicts: ReservationConflict[] = []
  for (let i = 0; i < reply.length; i += 2) {
    conflicts.push({ clusterId: run.clusterIds[Number(reply[i])]!, runId: reply[i + 1]! })
  }
  return conflicts
}
