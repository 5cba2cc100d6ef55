import { param } from './command-context.js'
import { parseExpires } from './verify-signature.js'

/** As CloudStack's `enforce.post.requests.and.timestamps`: a signed request lives at most this long. */
export const MAX_EXPIRES_AHEAD_MS = 15 * 60 * 1000

export type MutationSigning =
  { ok: true; expiresAt: number } | { ok: true; expiresAt: undefined } | { ok: false; reason: string }

/**
 * The rule for commands that change something (admin commands), checked after the signature.
 * CloudStack lower-cases the whole string before the HMAC, so a captured request can be replayed
 * with its payload's case changed and still verify. That cannot be undone without breaking every
 * CloudStack client, so instead a mutating request must be short-lived and single-use: signed with
 * `signatureversion=3` and an `expires` at most 15 minutes ahead (when `requireExpires`, the
 * default), and the caller records its signature until then so it runs once. Pure.
 */
export function checkMutationSigning(params: Map<string, string>, now: Date, requireExpires: boolean): MutationSigning {
  const expires = param(params, 'expires')
  const v3 = param(params, 'signatureversion') === '3'
  if (!v3 || expires === undefined) {
    if (!requireExpires) return { ok: true, expiresAt: undefined }
    return {
      ok: false,
      reason:
        'this command changes state: sign it with signatureversion=3 and an expires at most 15 minutes ahead (CloudMonkey and the CloudStack SDKs do by default)'
    }
  }
  const at = parseExpires(expires)
  if (at === undefined) return { ok: false, reason: `cannot read expires ${JSON.stringify(expires.slice(0, 64))}` }
  if (at - now.getTime() > MAX_EXPIRES_AHEAD_MS)
    return {
      ok: false,
      reason: 'expires is more than 15 minutes ahead; sign a request for this command shortly before sending it'
    }
  return { ok: true, expiresAt: at }
}
