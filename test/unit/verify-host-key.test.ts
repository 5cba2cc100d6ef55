import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  fingerprint,
  matchesHostField,
  serverHostKeyAlgorithms,
  verifyHostKey
} from '../../workers/ssh/verify-host-key.js'

const keyA = Buffer.from('key-a-blob')
const keyB = Buffer.from('key-b-blob')
const line = (k: Buffer) => `ssh-ed25519 ${k.toString('base64')}`
const target = { address: '10.0.0.5', port: 2222 }

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij')
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

describe('host key check (docs/security.md)', () => {
  it('accepts the pinned key and refuses another one, naming both fingerprints', () => {
    expect(verifyHostKey({ ...target, hostKey: `${line(keyA)} comment` }, keyA)).toEqual({ ok: true })
    const v = verifyHostKey({ ...target, hostKey: line(keyA) }, keyB)
    expect(v).toMatchObject({ ok: false, kind: 'mismatch' })
    expect(v.ok ? '' : v.message).toContain(fingerprint(keyA))
    expect(v.ok ? '' : v.message).toContain(fingerprint(keyB))
  })

  it('uses known_hosts when nothing is pinned: [host]:port, host lists, hashed names', () => {
    expect(verifyHostKey({ ...target, knownHosts: `[10.0.0.5]:2222 ${line(keyA)}\n` }, keyA)).toEqual({ ok: true })
    expect(verifyHostKey({ address: '10.0.0.5', port: 22, knownHosts: `kvm5,10.0.0.5 ${line(keyA)}\n` }, keyA)).toEqual(
      { ok: true }
    )
    expect(verifyHostKey({ ...target, knownHosts: `${hashed('[10.0.0.5]:2222')} ${line(keyA)}\n` }, keyA)).toEqual({
      ok: true
    })
  })

  it('a host absent from known_hosts is unknown; a different key for it is a mismatch; @revoked refuses', () => {
    expect(verifyHostKey({ ...target, knownHosts: `other ${line(keyA)}\n` }, keyA)).toMatchObject({
      ok: false,
      kind: 'unknown'
    })
    expect(verifyHostKey({ ...target, knownHosts: `[10.0.0.5]:2222 ${line(keyA)}\n` }, keyB)).toMatchObject({
      ok: false,
      kind: 'mismatch'
    })
    expect(
      verifyHostKey(
        { ...target, knownHosts: `@revoked [10.0.0.5]:2222 ${line(keyA)}\n[10.0.0.5]:2222 ${line(keyA)}\n` },
        keyA
      )
    ).toMatchObject({ ok: false, kind: 'revoked' })
    expect(verifyHostKey({ ...target, knownHosts: undefined }, keyA)).toMatchObject({ ok: false, kind: 'unknown' })
  })
})

describe('issue 11 item 11: patterns, markers, negotiated key types', () => {
  it('host patterns: * and ? wildcards, negation wins, case-insensitive, brackets literal', () => {
    expect(matchesHostField('*', '[10.0.0.5]:2222')).toBe(true)
    expect(matchesHostField('[10.0.0.?]:*', '[10.0.0.5]:2222')).toBe(true)
    expect(matchesHostField('[10.0.0.?]:*', '[10.0.0.55]:2222')).toBe(false)
    expect(matchesHostField('*.example.org', 'KVM1.example.org')).toBe(true)
    expect(matchesHostField('*,!kvm1.example.org', 'kvm1.example.org')).toBe(false)
    expect(matchesHostField('!kvm1', 'kvm2')).toBe(false)
    expect(matchesHostField('10.0.0.5', '10.0.0.50')).toBe(false)
    expect(matchesHostField('10.0.0.5', '10a0b0c5')).toBe(false)
  })

  it('@revoked refuses the key under any host pattern; @cert-authority alone is refused with a reason; unknown markers are not entries', () => {
    expect(
      verifyHostKey({ ...target, knownHosts: `@revoked other.host ${line(keyA)}\n* ${line(keyA)}\n` }, keyA)
    ).toMatchObject({ ok: false, kind: 'revoked' })
    expect(verifyHostKey({ ...target, knownHosts: `@revoked * ${line(keyB)}\n* ${line(keyA)}\n` }, keyA)).toEqual({
      ok: true
    })
    expect(verifyHostKey({ ...target, knownHosts: `@cert-authority * ${line(keyA)}\n` }, keyA)).toMatchObject({
      ok: false,
      kind: 'unknown',
      message: expect.stringContaining('@cert-authority')
    })
    expect(verifyHostKey({ ...target, knownHosts: `@bogus * ${line(keyA)}\n` }, keyA)).toMatchObject({
      ok: false,
      kind: 'unknown'
    })
  })

  it('negotiates only the key types it can verify', () => {
    expect(serverHostKeyAlgorithms({ ...target, hostKey: 'ecdsa-sha2-nistp256 AAAA' })).toEqual(['ecdsa-sha2-nistp256'])
    expect(serverHostKeyAlgorithms({ ...target, hostKey: 'ssh-rsa AAAA c' })).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa'
    ])
    expect(
      serverHostKeyAlgorithms({
        ...target,
        knownHosts: `[10.0.0.5]:2222 ecdsa-sha2-nistp384 AAAA\n* ssh-ed25519 AAAA\nother ssh-rsa AAAA\n@revoked * ssh-rsa AAAA\n`
      })
    ).toEqual(['ecdsa-sha2-nistp384', 'ssh-ed25519'])
    expect(serverHostKeyAlgorithms({ ...target, knownHosts: 'other ssh-rsa AAAA\n' })).toBeUndefined()
    expect(serverHostKeyAlgorithms({ ...target, hostKey: 'ssh-dss AAAA' })).toBeUndefined()
  })
})
