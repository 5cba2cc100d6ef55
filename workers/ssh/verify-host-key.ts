import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'

export type HostKeyVerdict = { ok: true } | { ok: false; kind: 'mismatch' | 'unknown' | 'revoked'; message: string }

export interface HostKeyTarget {
  address: string
  port: number
  hostKey?: string | undefined
  knownHosts?: string | undefined
}

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** `ssh-ed25519 AAAA... comment` → type and raw key blob. */
function parseKeyLine(line: string): { type: string; blob: Buffer } | undefined {
  const [type, base64] = line.trim().split(/\s+/)
  return type && base64 ? { type, blob: Buffer.from(base64, 'base64') } : undefined
}

/** known_hosts names a host as `addr` on port 22 and `[addr]:port` otherwise. */
function hostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`
}

/** OpenSSH's pattern syntax: `*` any run of characters, `?` one character, the rest literal. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`, 'i').test(name)
}

/**
 * Whether a known_hosts host field names `name`: a hashed name (`|1|salt|hash`), or a comma list of
 * patterns with `*` and `?` wildcards where a negated pattern (`!pattern`) that matches excludes the
 * host whatever else matches (as OpenSSH's match_hostname).
 */
export function matchesHostField(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|')
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }
  let positive = false
  for (const entry of field.split(',')) {
    if (entry.startsWith('!')) {
      if (globMatch(entry.slice(1), name)) return false
    } else if (globMatch(entry, name)) positive = true
  }
  return positive
}

interface KnownHostsLine {
  marker: '@revoked' | '@cert-authority' | undefined
  hosts: string
  type: string
  blob: Buffer
}

function parseKnownHosts(text: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined
    // An unknown marker makes the line invalid for OpenSSH too: never read it as a plain entry.
    if (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') continue
    const [hosts, type, base64] = fields
    if (!hosts || !type || !base64) continue
    out.push({ marker, hosts, type, blob: Buffer.from(base64, 'base64') })
  }
  return out
}

/**
 * Pure check of the key a server offered (docs/security.md): against the pinned `hostKey` when set, else the
 * known_hosts text. Unknown and changed keys are refused, never silently accepted. A key marked
 * `@revoked` is refused whatever host pattern its line has (stricter than OpenSSH, which applies
 * the mark to matching hosts only: a revoked key stays revoked). Host patterns honour `*`, `?` and
 * `!negation`; `@cert-authority` lines are not supported (ssh2 has no host certificates) and a
 * host known only through one is refused with a message saying so.
 */
export function verifyHostKey(target: HostKeyTarget, offered: Buffer): HostKeyVerdict {
  const offeredFp = fingerprint(offered)
  if (target.hostKey) {
    const pinned = parseKeyLine(target.hostKey)?.blob
    if (pinned && pinned.equals(offered)) return { ok: true }
    return {
      ok: false,
      kind: 'mismatch',
      message: `host key mismatch: offered ${offeredFp}, pinned hostKey is ${pinned ? fingerprint(pinned) : '(unparsable)'}`
    }
  }
  const name = hostName(target.address, target.port)
  const lines = parseKnownHosts(target.knownHosts ?? '')
  if (lines.some((l) => l.marker === '@revoked' && l.blob.equals(offered))) {
    return { ok: false, kind: 'revoked', message: `host key ${offeredFp} is marked @revoked in known_hosts` }
  }
  const forHost = lines.filter((l) => matchesHostField(l.hosts, name))
  const candidates = forHost.filter((l) => l.marker === undefined).map((l) => l.blob)
  if (candidates.some((c) => c.equals(offered))) return { ok: true }
  if (candidates.length > 0) {
    return {
      ok: false,
      kind: 'mismatch',
      message: `host key mismatch: offered ${offeredFp}, known_hosts has ${candidates.map(fingerprint).join(', ')} for ${name}`
    }
  }
  if (forHost.some((l) => l.marker === '@cert-authority')) {
    return {
      ok: false,
      kind: 'unknown',
      message: `host key ${offeredFp} is unknown: known_hosts names ${name} only through @cert-authority, and host certificates are not supported; pin the host's key (hostKey) or list it in known_hosts`
    }
  }
  return {
    ok: false,
    kind: 'unknown',
    message: `host key ${offeredFp} is unknown: no hostKey pinned and no entry for ${name} in known_hosts`
  }
}

/** What ssh2 may negotiate for each key type (an RSA key signs with SHA-2 where the server can). */
const ALGORITHMS_BY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
}

/**
 * The server host-key algorithms to offer: only those of the key types we can verify (the pinned
 * key's, or the host's known_hosts entries'), so a host that also has, say, an ed25519 key still
 * shows the ECDSA or RSA key that was pinned instead of failing as a mismatch. Undefined (ssh2's
 * defaults) when nothing is known: the connection is then refused as unknown anyway.
 */
export function serverHostKeyAlgorithms(target: HostKeyTarget): string[] | undefined {
  const types = target.hostKey
    ? [parseKeyLine(target.hostKey)?.type]
    : parseKnownHosts(target.knownHosts ?? '')
        .filter((l) => l.marker === undefined && matchesHostField(l.hosts, hostName(target.address, target.port)))
        .map((l) => l.type)
  const algorithms = [...new Set(types.flatMap((t) => (t ? (ALGORITHMS_BY_TYPE[t] ?? []) : [])))]
  return algorithms.length > 0 ? algorithms : undefined
}

export function readKnownHosts(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
