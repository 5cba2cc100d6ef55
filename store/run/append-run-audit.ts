import type { AuditEntry } from '../../shared/run-audit.js'
import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { APPEND_AUDIT_LUA } from './audit-lua.js'

const appendLua = luaScript(`${APPEND_AUDIT_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
appendAudit(KEYS[1], ARGV[1])
return 1
`)

/** Records who did what to a run (cancel, retry); pause and resume record it inside their own script. */
export async function appendRunAudit(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  entry: AuditEntry
): Promise<boolean> {
  return (await appendLua(redis, [keys.run(runId)], [JSON.stringify(entry)])) === 1
}
