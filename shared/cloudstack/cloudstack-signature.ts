import { createHmac } from 'node:crypto'
import { javaUrlEncode } from './java-url-encode.js'

/**
 * The one implementation of CloudStack's request signature (ApiServer.verifyRequest), used by our
 * CloudStack-compatible API to verify and by our CloudStack client to sign: every parameter but
 * `signature`, sorted by name (Java String order: case-sensitive, by UTF-16 unit), `name=` +
 * Java-URL-encoded value, joined with `&`, the whole string lower-cased, HMAC-SHA1 with the secret
 * key. Pure.
 */
export function canonicalCloudStackString(params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()]
    .filter((k) => k.toLowerCase() !== 'signature')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return names
    .map((n) => `${n}=${javaUrlEncode(params.get(n)!)}`)
    .join('&')
    .toLowerCase()
}

/** Raw HMAC-SHA1 bytes of the canonical string; base64 them for the `signature` parameter. */
export function cloudStackSignature(params: ReadonlyMap<string, string>, secretKey: string): Buffer {
  return createHmac('sha1', secretKey).update(canonicalCloudStackString(params), 'utf8').digest()
}
