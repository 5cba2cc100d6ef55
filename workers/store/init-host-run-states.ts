import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { RedisKeys } from '../../shared/redis-keys.js'

/** Writes each host's first record unless one exists (HSETNX): a resumed run job must not reset progress. */
export async function initHostRunStates(redis: Redis, keys: RedisKeys, runId: string, states: HostRunState[]): Promise<void> {
  const pipeline = redis.pipeline()
  for (const s of states) pipeline.hsetnx(keys.runHosts(runId), s.hostId, JSON.stringify(s))
  await pipeline.exec()
}
