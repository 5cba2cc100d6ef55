import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** From now on no new host starts in any cluster of the run (docs/user-guide.md#failures-after-preflight). The first reason wins. */
export async function stopRun(redis: RedisClient, keys: RedisKeys, runId: string, reason: string): Promise<void> {
  await redis.hsetnx(keys.run(runId), 'stopReason', reason)
}
