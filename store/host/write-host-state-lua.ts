/**
 * Lua prelude for every script that writes a host's record in a run: `write_host_state(hostsKey,
 * progressKey, hostId, json, onlyIfAbsent)` stores the record and moves the run's progress counters
 * by the difference between the old and the new record, in the same atomic step. Counters can
 * therefore never disagree with the records, whichever worker writes and whatever crashes.
 * Field names: `run/run-progress.ts`; phase lists: `lua-constants.ts` (prepended to every script).
 */
export const WRITE_HOST_STATE_LUA = `
local function present(v) return v ~= nil and v ~= cjson.null end
local function write_host_state(hostsKey, progressKey, hostId, json, onlyIfAbsent)
  local oldJson = redis.call('HGET', hostsKey, hostId)
  if onlyIfAbsent and oldJson then return false end
  redis.call('HSET', hostsKey, hostId, json)
  local new = cjson.decode(json)
  local old = {}
  if oldJson then old = cjson.decode(oldJson) end
  local c = tostring(new.clusterId)
  -- A counter back at 0 is removed (readers count an absent field as 0): a big run's progress hash,
  -- which every GET of the run reads whole, keeps no field per cluster for PreFlights long over.
  local function delta(field, a, b)
    if a ~= b then
      local d = 1
      if a then d = -1 end
      if redis.call('HINCRBY', progressKey, field, d) == 0 then redis.call('HDEL', progressKey, field) end
    end
  end
  delta('done', old.phase == PHASE_DONE, new.phase == PHASE_DONE)
  delta('done:' .. c, old.phase == PHASE_DONE, new.phase == PHASE_DONE)
  delta('updated', present(old.updated), present(new.updated))
  delta('skipped', present(old.skipped), present(new.skipped))
  delta('preflight:' .. c, old.phase == PHASE_PREFLIGHT, new.phase == PHASE_PREFLIGHT)
  local activeField = 'active:' .. c
  if CYCLE_PHASES[new.phase] then
    redis.call('HSET', progressKey, activeField, cjson.encode({ h = hostId, p = new.phase }))
  elseif CYCLE_PHASES[old.phase] then
    local cur = redis.call('HGET', progressKey, activeField)
    if cur and cjson.decode(cur).h == hostId then redis.call('HDEL', progressKey, activeField) end
  end
  return true
end
`
