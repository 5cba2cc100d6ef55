import type { Redis } from 'ioredis'
import type { RedisKeys } from '../keys.js'

export type RunEventType =
  | 'run.started'
  | 'stage.started'
  | 'stage.finished'
  | 'host.updated'
  | 'host.skipped'
  | 'host.failed'
  | 'vm.migrating'
  | 'vm.migrated'
  | 'vm.migration-failed'
  | 'run.finished'

/**
 * Appends to the run's event stream (what live progress reads; stream ids make it resumable).
 * Capped, so a huge run cannot grow it without bound. Best effort: progress display must never
 * fail the maintenance itself.
 */
export async function emitRunEvent(redis: Redis, keys: RedisKeys, runId: string, type: RunEventType, data: Record<string, unknown>): Promise<void> {
  try {
    await redis.xadd(keys.runEvents(runId), 'MAXLEN', '~', '50000', '*', 'type', type, 'data', JSON.stringify(data))
  } catch {
    // ignored on purpose, see above
  }
}
