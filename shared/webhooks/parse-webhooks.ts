import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { ConfigError } from '../errors/config-error.js'

/** One subscriber (docs/api.md#operator-controls): selected run events are POSTed to `url`, signed with `secret`. */
export interface WebhookConfig {
  url: string
  /** Event types, or `*` for all of them. */
  events: string[]
  secret: string
}

const VAR = 'ROLLMAINT_WEBHOOKS'
const MIN_SECRET = 16

/**
 * `ROLLMAINT_WEBHOOKS` is either a path to a YAML file (recommended: the secrets stay out of the
 * process environment) or the YAML list itself (a value starting with `-` or `[`). Every entry is
 * checked here, once, so a typo in an event name stops the process instead of silently never firing.
 * Messages never repeat a secret.
 */
export function parseWebhooks(raw: string | undefined, cwd: string, knownEvents: readonly string[]): WebhookConfig[] {
  const value = raw?.trim()
  if (!value) return []
  let text = value
  let where = VAR
  if (!value.startsWith('-') && !value.startsWith('[')) {
    const file = path.resolve(cwd, value)
    where = `${VAR} (${file})`
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError(
        VAR,
        `cannot read the webhooks file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
      )
    }
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new ConfigError(VAR, `${where} is not valid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  if (doc === null || doc === undefined) return []
  if (!Array.isArray(doc)) throw new ConfigError(VAR, `${where} must be a YAML list of {url, events, secret}`)
  const known = new Set(knownEvents)
  return doc.map((entry: unknown, i): WebhookConfig => {
    const at = `[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ConfigError(VAR, `${at} must be a map {url, events, secret}`)
    const e = entry as Record<string, unknown>
    const extra = Object.keys(e).filter((k) => !['url', 'events', 'secret'].includes(k))
    if (extra.length > 0)
      throw new ConfigError(VAR, `${at}: unknown field ${extra.join(', ')} (allowed: url, events, secret)`)
    if (typeof e.url !== 'string') throw new ConfigError(VAR, `${at}.url is required (an http:// or https:// URL)`)
    let url: URL
    try {
      url = new URL(e.url)
    } catch {
      throw new ConfigError(VAR, `${at}.url is not a URL: ${JSON.stringify(e.url)}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(VAR, `${at}.url must be http:// or https://, got ${url.protocol}`)
    if (url.username || url.password)
      throw new ConfigError(VAR, `${at}.url must not carry credentials; the body is signed with secret instead`)
    if (!Array.isArray(e.events) || e.events.length === 0 || !e.events.every((x) => typeof x === 'string')) {
      throw new ConfigError(VAR, `${at}.events must be a non-empty list of event types (or ["*"])`)
    }
    const events = e.events as string[]
    const unknown = events.filter((x) => x !== '*' && !known.has(x))
    if (unknown.length > 0)
      throw new ConfigError(
        VAR,
        `${at}.events: unknown event ${unknown.join(', ')} (known: ${knownEvents.join(', ')}, or *)`
      )
    if (typeof e.secret !== 'string' || e.secret.length < MIN_SECRET) {
      throw new ConfigError(VAR, `${at}.secret is required and must be at least ${MIN_SECRET} characters`)
    }
    return { url: url.toString(), events: [...new Set(events)], secret: e.secret }
  })
}

/** Which subscribers want an event of this type (indexes into the list). Pure. */
export function subscribersOf(webhooks: readonly WebhookConfig[], type: string): number[] {
  const out: number[] = []
  webhooks.forEach((w, i) => {
    if (w.events.includes('*') || w.events.includes(type)) out.push(i)
  })
  return out
}
