/**
 * Lua helper prepended to scripts that write an audit entry in the same atomic step as the change
 * it records. The `audit` field of the run hash is a JSON array; entries are appended as text, so
 * nothing is decoded and re-encoded (their key order and numbers stay as TypeScript wrote them).
 */
export const APPEND_AUDIT_LUA = `
local function appendAudit(runKey, entryJson)
  local raw = redis.call('HGET', runKey, 'audit')
  if not raw or raw == '' or raw == '[]' then
    redis.call('HSET', runKey, 'audit', '[' .. entryJson .. ']')
  else
    redis.call('HSET', runKey, 'audit', string.sub(raw, 1, -2) .. ',' .. entryJson .. ']')
  end
end
`
