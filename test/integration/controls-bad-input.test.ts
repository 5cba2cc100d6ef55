import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { e2eApi } from '../support/e2e-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'bad-admin-0123456789',
  secretKey: 'bad-admin-secret-0123456789',
  role: 'admin'
}
const basic = (u: ApiUser) => ({
  authorization: `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`
})

let e2e: E2E
let fastify: FastifyInstance
beforeAll(async () => {
  e2e = await startE2E({ label: 'badctl', clusters: [{ name: 'b1', hosts: ['b1a', 'b1b'] }], workers: 0 })
  fastify = await e2eApi(e2e, [ADMIN])
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

const scope = { clusterids: [clusterId('b1')] }
const window = { start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }

describe('bad input on the control fields: 400 naming the problem, nothing created', () => {
  it.each([
    [{ maxFailures: -1 }, 'VALIDATION_FAILED', /maxFailures must be >= 0/],
    [{ maxFailures: 1.5 }, 'VALIDATION_FAILED', /maxFailures must be integer/],
    [{ maxFailures: '2' }, 'VALIDATION_FAILED', /maxFailures must be integer/],
    [{ maxFailures: 100_001 }, 'VALIDATION_FAILED', /maxFailures must be <= 100000/],
    [{ canary: 0 }, 'VALIDATION_FAILED', /canary must be >= 1/],
    [{ canary: -3 }, 'VALIDATION_FAILED', /canary must be >= 1/],
    [{ canary: 3 }, 'CONTROLS_INVALID', /canary is 3 but the run has only 2 hosts/],
    [{ soakSeconds: -1 }, 'VALIDATION_FAILED', /soakSeconds must be >= 0/],
    [{ soakSeconds: 604_801 }, 'VALIDATION_FAILED', /soakSeconds must be <= 604800/],
    [{ soakSeconds: '60' }, 'VALIDATION_FAILED', /soakSeconds must be integer/],
    [
      { window: { ...window, timezone: 'Europe/Atlantis' } },
      'CONTROLS_INVALID',
      /window.timezone "Europe\/Atlantis" is not a known IANA time zone/
    ],
    [{ window: { ...window, end: '22:00' } }, 'CONTROLS_INVALID', /window.start and window.end are both 22:00/],
    [{ window: { ...window, start: '25:00' } }, 'VALIDATION_FAILED', /window\/start must match pattern/],
    [{ window: { ...window, days: ['funday'] } }, 'VALIDATION_FAILED', /window\/days\/0 must be equal to constant/],
    [{ window: { ...window, days: [] } }, 'VALIDATION_FAILED', /window\/days must NOT have fewer than 1 items/],
    [
      { window: { ...window, days: ['mon', 'mon'] } },
      'VALIDATION_FAILED',
      /window\/days must NOT have duplicate items/
    ],
    [
      { window: { start: '22:00', end: '05:00' } },
      'VALIDATION_FAILED',
      /window must have required property 'timezone'/
    ],
    [{ window: { ...window, tz: 'UTC' } }, 'VALIDATION_FAILED', /window must NOT have additional properties/],
    [{ window: '22:00-05:00' }, 'VALIDATION_FAILED', /window must be object/],
    [{ dryRun: 'yes' }, 'VALIDATION_FAILED', /dryRun must be boolean/]
  ])('%j → %s', async (fields, error, message) => {
    for (const dryRun of [false, true]) {
      const before = await e2e.redis.zcard(e2e.keys.runIndex())
      const body = dryRun && !('dryRun' in fields) ? { ...scope, ...fields, dryRun: true } : { ...scope, ...fields }
      const res = await fastify.inject({
        method: 'POST',
        url: '/api/v1/rolling-maintenance',
        headers: basic(ADMIN),
        payload: body
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error })
      expect(res.json().message).toMatch(message)
      expect(await e2e.redis.zcard(e2e.keys.runIndex())).toBe(before)
      expect(await e2e.redis.get(e2e.keys.clusterRun(clusterId('b1')))).toBeNull()
    }
  })

  it('every problem of a request is named at once', async () => {
    const res = await fastify.inject({
      method: 'POST',
      url: '/api/v1/rolling-maintenance',
      headers: basic(ADMIN),
      payload: { ...scope, canary: 5, window: { ...window, end: '22:00', timezone: 'Nowhere/Land' } }
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe(
      'canary is 5 but the run has only 2 hosts; window.start and window.end are both 22:00: the window would be empty (or the whole day); omit window to allow any time; ' +
        'window.timezone "Nowhere/Land" is not a known IANA time zone (e.g. Europe/Berlin, UTC)'
    )
  })
})
