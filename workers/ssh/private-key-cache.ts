import { statSync, readFileSync } from 'node:fs'
import ssh2 from 'ssh2'

type ParsedKey = ssh2.ParsedKey

const cache = new Map<string, { mtimeMs: number; size: number; key: ParsedKey }>()

/**
 * The parsed private key at `path`, read and parsed once per file version instead of on every
 * connection (a fleet opens hundreds). A changed file (rotation) is re-read. Throws a plain Error
 * with the reason; the caller turns it into an authentication error naming the host.
 */
export function loadPrivateKey(path: string): ParsedKey {
  const st = statSync(path)
  const hit = cache.get(path)
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.key
  const parsed = ssh2.utils.parseKey(readFileSync(path))
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key || key instanceof Error)
    throw new Error(`cannot parse the key: ${key instanceof Error ? key.message : 'no key found'}`)
  cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, key })
  return key
}
