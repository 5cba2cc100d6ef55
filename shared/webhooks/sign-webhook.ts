import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'X-Rollmaint-Signature'

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>` (docs/api.md#operator-controls), as GitHub-style receivers expect. */
export function signWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** For receivers (and tests): constant-time check of a header against the body. */
export function verifyWebhook(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false
  const expected = Buffer.from(signWebhook(secret, body))
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
