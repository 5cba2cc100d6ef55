/**
 * `java.net.URLEncoder.encode(value, "UTF-8")` followed by `replaceAll("\\+", "%20")`, which is
 * what CloudStack's ApiServer.verifyRequest signs: every byte but `A-Za-z0-9.-*_` percent-encoded
 * (upper-case hex), a space as %20. Differs from encodeURIComponent on `*` (kept) and `!'()~`
 * (encoded).
 */
export function javaUrlEncode(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}
