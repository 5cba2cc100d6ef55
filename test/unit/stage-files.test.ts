import { describe, expect, it } from 'vitest'
import { hostFileKey, stageFilePath, stageFilePrefix } from '../../workers/ssh/stage-files.js'

describe('stage file names on the host (workers/ssh/stage-files.ts)', () => {
  it('keeps host ids as they are unless they hold / or %', () => {
    expect(hostFileKey('kvm1.example.com')).toBe('kvm1.example.com')
    expect(hostFileKey('0b6c1f2e-9d43-4c1a-a7a1-2f5e8c9d0e11')).toBe('0b6c1f2e-9d43-4c1a-a7a1-2f5e8c9d0e11')
    expect(hostFileKey('..')).toBe('..')
    expect(hostFileKey('a/b')).toBe('a%2Fb')
    expect(hostFileKey('a%2Fb')).toBe('a%252Fb')
  })

  it('is one-to-one: ids that look alike once encoded stay apart', () => {
    const ids = ['a/b', 'a%2Fb', 'a%252Fb', 'a%2fb', '%', '/', '%25', '%2F', 'x'.repeat(128), 'x'.repeat(129)]
    const keys = ids.map(hostFileKey)
    expect(new Set(keys).size).toBe(ids.length)
    expect(keys.every((k) => !k.includes('/'))).toBe(true)
  })

  it('hashes keys over 128 bytes into a form the encoding never produces', () => {
    expect(hostFileKey('x'.repeat(128))).toBe('x'.repeat(128))
    // the limit is on the encoded key
    expect(hostFileKey('/'.repeat(42))).toBe('%2F'.repeat(42))
    expect(hostFileKey('/'.repeat(43))).toMatch(/^%h[0-9a-f]{64}$/)
    // bytes, not characters: a name's limit is 255 bytes
    expect(hostFileKey('é'.repeat(64))).toBe('é'.repeat(64))
    expect(hostFileKey('é'.repeat(65))).toMatch(/^%h[0-9a-f]{64}$/)
    const long = hostFileKey(`h-${'y'.repeat(253)}`)
    expect(long).toMatch(/^%h[0-9a-f]{64}$/)
    expect(hostFileKey(`h-${'y'.repeat(252)}z`)).not.toBe(long)
  })

  it('names every file <stateDir>/runs/<run>.<hostKey>.<Stage>.<file>, below NAME_MAX', () => {
    expect(stageFilePrefix('/var/lib/rollmaint', 'r-1', 'a/b', 'PreFlight')).toBe(
      '/var/lib/rollmaint/runs/r-1.a%2Fb.PreFlight.'
    )
    const run = '589af247-04b3-4e9e-aa81-827cff0323ee'
    const file = stageFilePath('/s', run, 'z'.repeat(255), 'PostMaintenance', 'supervisor')
    expect(file.slice('/s/runs/'.length).length).toBeLessThan(255)
  })
})
