import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

// ARGV: host id, record, host id, record, ...
const initLua = luaScript(`${WRITE_HOST_STATE_LUA}
for i = 1, #ARGV, 2 do write_host_state(KEYS[1], KEYS[2], ARGV[i], ARGV[i + 1], true) end
return 'OK'
`)

/** Batches keep one script call short, so Redis never stalls on a 10,000-host run. */
const BATCH = 500

/** Writes each host's first record unless one exists: a resumed run job must not reset progress. */
export async function initHostRunStates(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  states: HostRunState[]
): Promise<void> {
  for (let i = 0; i < states.length; i += BATCH) {
    const args = states.slice(i, i + BATCH).flatMap((s) => [s.hostId, JSON.stringify(s)])
    await initLua(redis, [keys.runHosts(runId), keys.runProgress(runId)], args)
  }
}
