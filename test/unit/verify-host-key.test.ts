import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fingerprint, verifyHostKey } from '../../workers/ssh/verify-host-key.js'

const keyA = Buffer.from('key-a-blob')
const keyB = Buffer.from('key-b-blob')
const line = (k: Buffer) => `ssh-ed25519 ${k.toString('base64')}`
const target = { address: '10.0.0.5', port: 2222 }

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij')
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

describe('spec 7 host key check', () => {
  it('accepts the pinned key and refuses another one, naming both fingerprints', () => {
    expect(verifyHostKey({ ...target, hostKey: `${line(keyA)} comment` }, keyA)).toEqual({ ok: true })
    const v = verifyHostKey({ ...target, hostKey: line(keyA) }, keyB)
    expect(v).toMatchObject({ ok: false, kind: 'mismatch' })
    expect(v.ok ? '' : v.message).toContain(fingerprint(keyA))
    expect(v.ok ? '' : v.message).toContain(fingerprint(keyB))
  })

  it('uses known_hosts when nothing is pinned: [host]:port, host lists, hashed names', () => {
    expect(verifyHostKey({ ...target, knownHosts: `[10.0.0.5]:2222 ${line(keyA)}\n` }, keyA)).toEqual({ ok: true })
    expect(verifyHostKey({ address: '10.0.0.5', port: 22, knownHosts: `kvm5,10.0.0.5 ${line(keyA)}\n` }, keyA)).toEqual({ ok: true })
    expect(verifyHostKey({ ...target, knownHosts: `${hashed('[10.0.0.5]:2222')} ${line(keyA)}\n` }, keyA)).toEqual({ ok: true })
  })

  it('a host absent from known_hosts is unknown; a different key for it is a mismatch; @revoked refuses', () => {
    expect(verifyHostKey({ ...target, knownHosts: `other ${line(keyA)}\n` }, keyA)).toMatchObject({ ok: false, kind: 'unknown' })
    expect(verifyHostKey({ ...target, knownHosts: `[10.0.0.5]:2222 ${line(keyA)}\n` }, keyB)).toMatchObject({ ok: false, kind: 'mismatch' })
    expect(verifyHostKey({ ...target, knownHosts: `@revoked [10.0.0.5]:2222 ${line(keyA)}\n[10.0.0.5]:2222 ${line(keyA)}\n` }, keyA)).toMatchObject({ ok: false, kind: 'revoked' })
    expect(verifyHostKey({ ...target, knownHosts: undefined }, keyA)).toMatchObject({ ok: false, kind: 'unknown' })
  })
})
