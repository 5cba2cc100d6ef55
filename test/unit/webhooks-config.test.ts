import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../shared/config.js'
import { ConfigError } from '../../shared/errors/config-error.js'
import { subscribersOf } from '../../shared/webhooks/parse-webhooks.js'
import { signWebhook, verifyWebhook } from '../../shared/webhooks/sign-webhook.js'

const SECRET = 'a-webhook-secret-of-some-length'

function error(value: string, cwd = '/tmp'): string {
  try {
    loadConfig({ ROLLMAINT_WEBHOOKS: value }, cwd)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).not.toContain(SECRET)
    return (err as Error).message
  }
  throw new Error(`accepted ${value}`)
}

describe('ROLLMAINT_WEBHOOKS in loadConfig', () => {
  it('unset: no webhooks', () => {
    expect(loadConfig({}, '/tmp').webhooks).toEqual([])
  })

  it('inline YAML list', () => {
    const config = loadConfig(
      {
        ROLLMAINT_WEBHOOKS: `- {url: "http://127.0.0.1:9/hook", events: [run.finished, run.paused], secret: ${SECRET}}`
      },
      '/tmp'
    )
    expect(config.webhooks).toEqual([
      { url: 'http://127.0.0.1:9/hook', events: ['run.finished', 'run.paused'], secret: SECRET }
    ])
  })

  it('a file, resolved against the working directory', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rm-wh-'))
    writeFileSync(
      path.join(dir, 'hooks.yaml'),
      `- url: https://chat.example/rollmaint\n  events: ["*"]\n  secret: ${SECRET}\n`
    )
    expect(loadConfig({ ROLLMAINT_WEBHOOKS: 'hooks.yaml' }, dir).webhooks).toEqual([
      { url: 'https://chat.example/rollmaint', events: ['*'], secret: SECRET }
    ])
  })

  it.each([
    ['missing.yaml', /cannot read the webhooks file .*missing.yaml: ENOENT/],
    ['- {url: [', /not valid YAML/],
    ['[1, 2]', /\[0\] must be a map/],
    [`- {events: [run.finished], secret: ${SECRET}}`, /\[0\]\.url is required/],
    [`- {url: "not a url", events: [run.finished], secret: ${SECRET}}`, /\[0\]\.url is not a URL/],
    [`- {url: "ftp://h/x", events: [run.finished], secret: ${SECRET}}`, /must be http:\/\/ or https:\/\//],
    [`- {url: "http://u:p@h/x", events: [run.finished], secret: ${SECRET}}`, /must not carry credentials/],
    [`- {url: "http://h/x", events: [], secret: ${SECRET}}`, /events must be a non-empty list/],
    [`- {url: "http://h/x", events: [run.finishd], secret: ${SECRET}}`, /unknown event run.finishd/],
    [
      `- {url: "http://h/x", events: [run.finished], secret: short}`,
      /secret is required and must be at least 16 characters/
    ],
    [`- {url: "http://h/x", events: [run.finished]}`, /secret is required/],
    [`- {url: "http://h/x", events: [run.finished], secret: ${SECRET}, retries: 3}`, /unknown field retries/]
  ])('%s is refused naming the problem', (value, re) => {
    expect(error(value)).toMatch(re)
  })
})

describe('webhook selection and signature', () => {
  it('subscribers of an event type, with * for all', () => {
    const hooks = [
      { url: 'http://a/', events: ['run.finished'], secret: SECRET },
      { url: 'http://b/', events: ['*'], secret: SECRET }
    ]
    expect(subscribersOf(hooks, 'run.finished')).toEqual([0, 1])
    expect(subscribersOf(hooks, 'stage.started')).toEqual([1])
  })

  it('sha256=<hex HMAC of the exact body>', () => {
    // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector
    expect(signWebhook('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
    )
    const body = JSON.stringify({ type: 'run.finished' })
    expect(verifyWebhook(SECRET, body, signWebhook(SECRET, body))).toBe(true)
    expect(verifyWebhook(SECRET, `${body} `, signWebhook(SECRET, body))).toBe(false)
    expect(verifyWebhook('another-secret-value', body, signWebhook(SECRET, body))).toBe(false)
    expect(verifyWebhook(SECRET, body, undefined)).toBe(false)
  })
})
