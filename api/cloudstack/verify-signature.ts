import { timingSafeEqual } from 'node:crypto'
import { cloudStackSignature } from '../../shared/cloudstack/cloudstack-signature.js'

export type SignatureVerdict = { ok: true } | { ok: false; reason: string }

/**
 * CloudStack's ApiServer.verifyRequest, step for step: the signature over every other parameter
 * (shared/cloudstack/cloudstack-signature.ts) must match. With `signatureversion=3` the request must
 * carry `expires` and is refused after it. Pure.
 */
export function verifyCloudStackSignature(params: Map<string, string>, secretKey: string, now: Date): SignatureVerdict {
  const signature = [...params].find(([k]) => k.toLowerCase() === 'signature')?.[1]
  if (!signature) return { ok: false, reason: 'missing signature' }
  const value = (name: string): string | undefined => [...params].find(([k]) => k.toLowerCase() === name)?.[1]
  if (value('signatureversion') === '3') {
    const expires = value('expires')
    if (!expires) return { ok: false, reason: 'signatureversion 3 needs an expires parameter' }
    const at = parseExpires(expires)
    if (at === undefined)
      return { ok: false, reason: `cannot read expires ${JSON.stringify(expires)} (yyyy-MM-ddTHH:mm:ss+0000)` }
    if (now.getTime() > at) return { ok: false, reason: 'the request has expired' }
  }
  const computed = cloudStackSignature(params, secretKey)
  const given = Buffer.from(signature, 'base64')
  if (given.length !== computed.length || !timingSafeEqual(given, computed))
    return { ok: false, reason: 'signature mismatch' }
  return { ok: true }
}

/** Java's `yyyy-MM-dd'T'HH:mm:ssZ` (`+0000`), and the ISO forms clients also send (`+00:00`, `Z`). */
export function parseExpires(text: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)$/.exec(text.trim())
  if (!m) return undefined
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`
  const t = Date.parse(`${m[1]}${zone}`)
  return Number.isNaN(t) ? undefined : t
}
