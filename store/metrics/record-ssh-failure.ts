import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Counts an SSH connection failure by its error code (SSH_UNREACHABLE, SSH_AUTH_FAILED, HOST_KEY_MISMATCH...). */
export async function recordSshFailure(redis: RedisClient, keys: RedisKeys, err: unknown): Promise<void> {
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string' || !/^(SSH_|HOST_KEY_)/.test(code)) return
  await redis.hincrby(keys.metricsSshFailures(), code, 1).catch(() => undefined)
}
