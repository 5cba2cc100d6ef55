import type { AuditEntry, PauseState } from '../../shared/run-audit.js'
import type { RunStatus } from '../../shared/types.js'
import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { APPEND_AUDIT_LUA } from './audit-lua.js'

// status → paused; the status it had (queued or running) is kept to go back to on resume.
const pauseLua = luaScript(`${APPEND_AUDIT_LUA}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if TERMINAL_RUN_STATUSES[status] then return 'finished' end
if status == ARGV[3] then return 'already' end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'pausedFrom', status, 'paused', ARGV[1])
appendAudit(KEYS[1], ARGV[2])
return 'paused'
`)

const resumeLua = luaScript(`${APPEND_AUDIT_LUA}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if TERMINAL_RUN_STATUSES[status] then return 'finished' end
if status ~= ARGV[2] then return 'not-paused' end
local before = redis.call('HGET', KEYS[1], 'pausedFrom') or ARGV[3]
redis.call('HSET', KEYS[1], 'status', before)
redis.call('HDEL', KEYS[1], 'pausedFrom', 'paused')
appendAudit(KEYS[1], ARGV[1])
return 'resumed'
`)

// Canary (docs/api.md#failure-budget-and-canary): once `updated` reaches the canary size the run pauses itself, once per run.
const canaryLua = luaScript(`${APPEND_AUDIT_LUA}
if redis.call('HGET', KEYS[1], 'canaryDone') == '1' then return 0 end
local updated = tonumber(redis.call('HGET', KEYS[2], 'updated') or '0')
if updated < tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'canaryDone', '1')
local status = redis.call('HGET', KEYS[1], 'status')
if not status or TERMINAL_RUN_STATUSES[status] or status == ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'pausedFrom', status, 'paused', ARGV[2])
appendAudit(KEYS[1], ARGV[3])
return updated
`)

const PAUSED: RunStatus = 'paused'
const RUNNING: RunStatus = 'running'

export type PauseOutcome = 'paused' | 'already' | 'not-found' | 'finished'
export type ResumeOutcome = 'resumed' | 'not-paused' | 'not-found' | 'finished'

/** Operator pause (docs/api.md#operator-controls): no new host starts; the audit entry is written in the same step. */
export async function pauseRun(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  by: string,
  at = new Date().toISOString()
): Promise<PauseOutcome> {
  const pause: PauseState = { reason: 'operator', by, at }
  const entry: AuditEntry = { action: 'paused', by, at }
  return (await pauseLua(
    redis,
    [keys.run(runId)],
    [JSON.stringify(pause), JSON.stringify(entry), PAUSED]
  )) as PauseOutcome
}

export async function resumeRun(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  by: string,
  at = new Date().toISOString()
): Promise<ResumeOutcome> {
  const entry: AuditEntry = { action: 'resumed', by, at }
  return (await resumeLua(redis, [keys.run(runId)], [JSON.stringify(entry), PAUSED, RUNNING])) as ResumeOutcome
}

/**
 * Pauses the run if its canary has just been completed (checked at every host boundary, so a crash
 * between a host's update and the check cannot skip the pause). Returns the updated count when it
 * paused the run now, else 0.
 */
export async function pauseAfterCanary(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  canary: number,
  at = new Date().toISOString()
): Promise<number> {
  const pause: PauseState = { reason: 'canary', at }
  const entry: AuditEntry = { action: 'paused', at, reason: 'canary' }
  return (await canaryLua(
    redis,
    [keys.run(runId), keys.runProgress(runId)],
    [canary, JSON.stringify(pause), JSON.stringify(entry), PAUSED]
  )) as number
}
