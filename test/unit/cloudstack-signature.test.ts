import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkMutationSigning } from '../../api/cloudstack/mutation-signing.js'
import { parameterNameProblem } from '../../api/cloudstack/parameter-names.js'
import { verifyCloudStackSignature } from '../../api/cloudstack/verify-signature.js'

// An independent signer, written from CloudStack's documented algorithm ("Signing API Requests"):
// URL-encode each value as Java's URLEncoder does, spaces as %20; lower-case the whole command
// string; sort the pairs by field; HMAC-SHA1 with the secret key; base64. It shares no code with
// the server's verifier.
function encodeLikeJava(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2A/g, '*')
}
function sign(params: Record<string, string>, secret: string): string {
  const pairs = Object.entries(params).map(([k, v]) => `${k.toLowerCase()}=${encodeLikeJava(v).toLowerCase()}`)
  pairs.sort()
  return createHmac('sha1', secret).update(pairs.join('&')).digest('base64')
}

const SECRET = 'k3y-OF-the-user-0123456789'
const NOW = new Date('2026-11-25T10:00:00Z')
const signed = (params: Record<string, string>, secret = SECRET) =>
  new Map(Object.entries({ ...params, signature: sign(params, secret) }))

describe('CloudStack request signing (docs/api.md)', () => {
  it('accepts what a CloudStack client signs, including awkward values', () => {
    const values = [
      'plain',
      'with space',
      'a,b,c',
      'star*',
      'plus+sign',
      'slash/and~tilde',
      "quote'd (x)!",
      'ünïcödé',
      '日本',
      'eq=amp&'
    ]
    for (const v of values) {
      const params = {
        command: 'startRollingMaintenance',
        hostids: `h1,${v}`,
        payload: v,
        apiKey: 'AbC',
        response: 'json'
      }
      expect(verifyCloudStackSignature(signed(params), SECRET, NOW), v).toEqual({ ok: true })
    }
  })

  it('list parameters (comma-separated ids) and mixed-case names', () => {
    const params = {
      command: 'startRollingMaintenance',
      zoneids: 'z1,z2',
      podids: 'p1',
      clusterIds: 'c1,c2,c3',
      apiKey: 'AbC',
      response: 'json',
      forced: 'true'
    }
    expect(verifyCloudStackSignature(signed(params), SECRET, NOW)).toEqual({ ok: true })
  })

  it('refuses a tampered value, a wrong secret and a missing signature', () => {
    const params = { command: 'listApis', apiKey: 'AbC', response: 'json' }
    const tampered = signed(params)
    tampered.set('command', 'listapis2')
    expect(verifyCloudStackSignature(tampered, SECRET, NOW)).toMatchObject({ ok: false })
    expect(verifyCloudStackSignature(signed(params, 'other-secret'), SECRET, NOW)).toMatchObject({ ok: false })
    expect(verifyCloudStackSignature(new Map(Object.entries(params)), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'missing signature'
    })
  })

  it('signatureversion=3: valid until expires, refused after it or without it', () => {
    const base = { command: 'listApis', apiKey: 'AbC', response: 'json', signatureversion: '3' }
    expect(verifyCloudStackSignature(signed({ ...base, expires: '2026-11-25T10:05:00+0000' }), SECRET, NOW)).toEqual({
      ok: true
    })
    expect(verifyCloudStackSignature(signed({ ...base, expires: '2026-11-25T09:59:59+0000' }), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'the request has expired'
    })
    expect(verifyCloudStackSignature(signed(base), SECRET, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('expires')
    })
    expect(verifyCloudStackSignature(signed({ ...base, expires: '2026-11-25T11:05:00+01:00' }), SECRET, NOW)).toEqual({
      ok: true
    })
  })
})

describe('issue 11 item 1: names and case', () => {
  it('a renamed parameter breaks the signature (the name is signed)', () => {
    const params = {
      command: 'startRollingMaintenance',
      hostids: 'h1',
      payload: 'kernel=6.1',
      apiKey: 'AbC',
      response: 'json'
    }
    const renamed = signed(params)
    renamed.set('payloads', renamed.get('payload')!)
    renamed.delete('payload')
    expect(verifyCloudStackSignature(renamed, SECRET, NOW)).toEqual({ ok: false, reason: 'signature mismatch' })
  })

  it('a value whose case changed still verifies, as in CloudStack (the signed string is lower-cased): that is why mutating requests are single-use', () => {
    const params = {
      command: 'startRollingMaintenance',
      hostids: 'h1',
      payload: 'kernel=6.1',
      apiKey: 'AbC',
      response: 'json'
    }
    const changed = signed(params)
    changed.set('payload', 'KERNEL=6.1')
    expect(verifyCloudStackSignature(changed, SECRET, NOW)).toEqual({ ok: true })
  })

  it('folding expires into a neighbouring name keeps the signature valid, so such names are refused before it is checked', () => {
    const params = {
      command: 'listApis',
      apiKey: 'AbC',
      name: 'startRollingMaintenance',
      response: 'json',
      signatureversion: '3',
      expires: '2026-11-25T09:00:00+0000'
    }
    expect(verifyCloudStackSignature(signed(params), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'the request has expired'
    })
    // `expires=<v>&name` = startRollingMaintenance and `response=json&signatureversion` = 3 sign exactly as before.
    const folded = new Map([
      ['command', 'listApis'],
      ['apiKey', 'AbC'],
      ['expires=2026-11-25t09%3a00%3a00%2b0000&name', 'startRollingMaintenance'],
      ['response=json&signatureversion', '3'],
      ['signature', signed(params).get('signature')!]
    ])
    expect(verifyCloudStackSignature(folded, SECRET, NOW)).toEqual({ ok: true })
    expect(parameterNameProblem(folded.keys())).toMatch(/may contain only letters, digits/)
  })

  it('parameter names: letters, digits, _ . [ ] only, and no name twice in different case', () => {
    expect(parameterNameProblem(['command', 'apiKey', 'details[0].key', 'hostids', 'sig_v.3'])).toBeUndefined()
    for (const bad of ['a=b', 'a&b', 'a b', 'a-b', 'ä', '', 'a%3Db', 'x;y'])
      expect(parameterNameProblem([bad]), bad).toMatch(/may contain only/)
    expect(parameterNameProblem(['payload', 'PAYLOAD'])).toMatch(/given twice/)
  })

  it('mutating commands: signatureversion=3 with an expires at most 15 minutes ahead, unless configured otherwise', () => {
    const v3 = (expires: string) =>
      new Map([
        ['signatureversion', '3'],
        ['expires', expires]
      ])
    expect(checkMutationSigning(new Map(), NOW, true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('signatureversion=3')
    })
    expect(checkMutationSigning(new Map([['expires', '2026-11-25T10:05:00+0000']]), NOW, true)).toMatchObject({
      ok: false
    })
    expect(checkMutationSigning(v3('2026-11-25T10:05:00+0000'), NOW, true)).toEqual({
      ok: true,
      expiresAt: Date.parse('2026-11-25T10:05:00Z')
    })
    expect(checkMutationSigning(v3('2026-11-25T10:15:00+0000'), NOW, true)).toMatchObject({ ok: true })
    expect(checkMutationSigning(v3('2026-11-25T10:15:01+0000'), NOW, true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('15 minutes')
    })
    expect(checkMutationSigning(v3('tomorrow'), NOW, true)).toMatchObject({ ok: false })
    expect(checkMutationSigning(new Map(), NOW, false)).toEqual({ ok: true, expiresAt: undefined })
    // a v3 request is still single-use when the rule is off
    expect(checkMutationSigning(v3('2026-11-25T10:05:00+0000'), NOW, false)).toMatchObject({
      ok: true,
      expiresAt: expect.any(Number)
    })
  })
})
