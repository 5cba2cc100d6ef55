import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; kind: 'mismatch' | 'unknown' | 'revoked'; message: string }

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** `ssh-ed25519 AAAA... comment` → the raw key blob. */
function keyBlob(line: string): Buffer | undefined {
  const base64 = line.trim().split(/\s+/)[1]
  return base64 ? Buffer.from(base64, 'base64') : undefined
}

/** known_hosts names a host as `addr` on port 22 and `[addr]:port` otherwise. */
function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`
}

function matchesHostField(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|')
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }
  return field.split(',').some((entry) => entry === name)
}

/**
 * Pure check of the key a server offered (spec 7): against the pinned `hostKey` when set, else the
 * known_hosts text. Unknown and changed keys are refused, never silently accepted.
 */
export function verifyHostKey(
  target: { address: string; port: number; hostKey?: string | undefined; knownHosts?: string | undefined },
  offered: Buffer,
): HostKeyVerdict {
  const offeredFp = fingerprint(offered)
  if (target.hostKey) {
    const pinned = keyBlob(target.hostKey)
    if (pinned && pinned.equals(offered)) return { ok: true }
    return {
      ok: false,
      kind: 'mismatch',
      message: `host key mismatch: offered ${offeredFp}, pinned hostKey is ${pinned ? fingerprint(pinned) : '(unparsable)'}`,
    }
  }
  const name = hostPattern(target.address, target.port)
  const candidates: Buffer[] = []
  for (const raw of (target.knownHosts ?? '').split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    let marker: string | undefined
    if (fields[0]?.startsWith('@')) marker = fields.shift()
    if (marker === '@cert-authority') continue
    const [hosts, type, base64] = fields
    if (!hosts || !type || !base64 || !matchesHostField(hosts, name)) continue
    const blob = Buffer.from(base64, 'base64')
    if (marker === '@revoked') {
      if (blob.equals(offered)) return { ok: false, kind: 'revoked', message: `host key ${offeredFp} is marked @revoked in known_hosts` }
      continue
    }
    candidates.push(blob)
  }
  if (candidates.some((c) => c.equals(offered))) return { ok: true }
  if (candidates.length > 0) {
    return {
      ok: false,
      kind: 'mismatch',
      message: `host key mismatch: offered ${offeredFp}, known_hosts has ${candidates.map(fingerprint).join(', ')} for ${name}`,
    }
  }
  return { ok: false, kind: 'unknown', message: `host key ${offeredFp} is unknown: no hostKey pinned and no entry for ${name} in known_hosts` }
}

export function readKnownHosts(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
