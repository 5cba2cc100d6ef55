import { CYCLE_PHASES, type HostPhase } from '../shared/host-run-state.js'
import { IN_MAINTENANCE_STATES, TERMINAL_RUN_STATUSES } from '../shared/types.js'

/** `local NAME = { ['a'] = true, ... }`: a TypeScript list as a Lua set. Values are our own identifiers, checked here. */
function luaSet(name: string, values: readonly string[]): string {
  for (const v of values) if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(v)) throw new Error(`not a Lua-safe constant: ${v}`)
  return `local ${name} = { ${values.map((v) => `['${v}'] = true`).join(', ')} }`
}

function luaString(name: string, value: string): string {
  return `local ${name} = '${value}'`
}

const DONE: HostPhase = 'done'
const PREFLIGHT: HostPhase = 'PreFlight'

/**
 * The value lists the Lua scripts test against, generated from the one TypeScript definition of
 * each, and prepended to every script. Constants rather than ARGV: the same bytes would otherwise
 * travel with every call on the hot path, and the script's SHA changes with the lists anyway.
 */
export const LUA_CONSTANTS = [
  luaSet('TERMINAL_RUN_STATUSES', TERMINAL_RUN_STATUSES),
  luaSet('CYCLE_PHASES', CYCLE_PHASES),
  luaSet('IN_MAINTENANCE_STATES', IN_MAINTENANCE_STATES),
  luaString('PHASE_DONE', DONE),
  luaString('PHASE_PREFLIGHT', PREFLIGHT)
].join('\n')
