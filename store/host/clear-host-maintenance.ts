import type { RedisClient } from '../connection.js'
import type { HostResourceState } from '../../shared/types.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// KEYS: host hash, cluster maintenance slot, cluster run reservation, cluster lease.
// ARGV: host id, now (ISO), who, the state to go back to.
// Refused while a run reserves the cluster or a worker holds its lease: only then is nobody
// entitled to the slot, so freeing it cannot let a second host of the cluster into maintenance.
const clearLua = luaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not IN_MAINTENANCE_STATES[state] then return { 'not-in-maintenance', state or ARGV[4] } end
local run = redis.call('GET', KEYS[3])
if run then return { 'busy', 'run', run } end
local lease = redis.call('GET', KEYS[4])
if lease then return { 'busy', 'lease', lease } end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'since', ARGV[2], 'clearedBy', ARGV[3], 'clearedFrom', state)
return { 'cleared' }
`)

export type ClearHostMaintenanceOutcome =
  | { kind: 'cleared' }
  | { kind: 'not-in-maintenance'; state: HostResourceState }
  /** `run`: an active run reserves the cluster (holder = run id); `lease`: a worker drives it (holder = lease value). */
  | { kind: 'busy'; by: 'run' | 'lease'; holder: string }

const ENABLED: HostResourceState = 'Enabled'

/** An operator's cancelHostMaintenance: back to Enabled and the cluster's slot freed, atomically. */
export async function clearHostMaintenance(
  redis: RedisClient,
  keys: RedisKeys,
  host: { id: string; clusterId: string },
  who: string
): Promise<ClearHostMaintenanceOutcome> {
  const reply = (await clearLua(
    redis,
    [
      keys.host(host.id),
      keys.clusterInMaintenance(host.clusterId),
      keys.clusterRun(host.clusterId),
      keys.clusterLease(host.clusterId)
    ],
    [host.id, new Date().toISOString(), who, ENABLED]
  )) as string[]
  const [kind, a, b] = reply
  if (kind === 'cleared') return { kind }
  if (kind === 'not-in-maintenance') return { kind, state: a as HostResourceState }
  if (kind === 'busy' && (a === 'run' || a === 'lease')) return { kind, by: a, holder: b ?? '' }
  throw new Error(`unexpected reply of clearHostMaintenance: ${JSON.stringify(reply)}`)
}
