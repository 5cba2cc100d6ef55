import { describe, expect, it } from 'vitest'
import { positiveInt, startBody } from '../../cli/commands/start.js'
import { resolveConnection } from '../../cli/connection-options.js'
import { reconnectDelayMs } from '../../cli/follow-run-events.js'

describe('resolveConnection', () => {
  const env = { ROLLMAINT_URL: 'http://api:9000', ROLLMAINT_API_KEY: 'env-key', ROLLMAINT_SECRET_KEY: 'env-secret' }

  it('flags win over the environment, which wins over the default URL', () => {
    expect(resolveConnection({ url: 'https://x', apiKey: 'k', secretKey: 's' }, env)).toEqual({ url: 'https://x', apiKey: 'k', secretKey: 's' })
    expect(resolveConnection({}, env)).toEqual({ url: 'http://api:9000', apiKey: 'env-key', secretKey: 'env-secret' })
    expect(resolveConnection({}, { ROLLMAINT_API_KEY: 'k', ROLLMAINT_SECRET_KEY: 's' }).url).toBe('http://127.0.0.1:8080')
  })

  it('missing credentials or a URL that is not http(s) are usage errors that never echo the secret', () => {
    expect(() => resolveConnection({ apiKey: 'k' }, {})).toThrow(/--secret-key.*ROLLMAINT_SECRET_KEY/)
    expect(() => resolveConnection({ url: 'ftp://x', apiKey: 'k', secretKey: 'hush-123' }, {})).toThrow(/http\(s\) URL/)
    try {
      resolveConnection({ url: 'nope', apiKey: 'k', secretKey: 'hush-123' }, {})
    } catch (err) {
      expect((err as Error).message).not.toContain('hush-123')
    }
  })
})

describe('start flags', () => {
  it('only what was given goes into the request body; ids stay comma-separated', () => {
    expect(startBody({ clusterids: 'c1,c2' })).toEqual({ clusterids: 'c1,c2' })
    expect(startBody({ zoneids: 'z', hostids: 'h', forced: true, payload: '', timeout: 30, watch: true })).toEqual({
      zoneids: 'z',
      hostids: 'h',
      forced: true,
      payload: '',
      timeout: 30,
    })
  })

  it('--timeout and --limit take whole numbers from 1', () => {
    expect(positiveInt('30')).toBe(30)
    for (const bad of ['0', '-4', '1.5', 'x', '']) expect(() => positiveInt(bad)).toThrow(/whole number/)
  })
})

describe('reconnect delays', () => {
  it('double from 0.25 s and stay at most 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(reconnectDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000])
  })
})
