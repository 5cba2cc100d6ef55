import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/**
 * Records a signed request's signature until it expires; false when it was recorded already (a
 * replay, possibly with its case changed, which the signature does not see). SET NX: atomic across
 * API instances.
 */
export async function claimSignedRequest(
  redis: RedisClient,
  keys: RedisKeys,
  signatureHex: string,
  expiresAtMs: number
): Promise<boolean> {
  // At least a second, so a request that expires this very moment is still recorded.
  const at = Math.max(expiresAtMs, Date.now() + 1000)
  return (await redis.set(keys.signedRequest(signatureHex), '1', 'PXAT', at, 'NX')) === 'OK'
}
