import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Read before each host starts: has the run been stopped by a failure or cancelled? */
export async function getRunStop(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string
): Promise<{ stopReason?: string; cancelled: boolean }> {
  const [stopReason, cancel] = await redis.hmget(keys.run(runId), 'stopReason', 'cancelRequested')
  return { stopReason: stopReason ?? undefined, cancelled: cancel === '1' }
}
