import { CloudStackRequestError } from '../errors/cloudstack-request-error.js'
import type { Secret } from '../secret.js'
import { toCloudStackDate } from './cloudstack-date.js'
import { cloudStackSignature } from './cloudstack-signature.js'

export interface CloudStackClientOptions {
  /** `https://cloud.example/client/api` */
  url: string
  apiKey: string
  secretKey: Secret
  /** Per HTTP request. */
  requestTimeoutMs?: number
  /** How long a signed request stays valid (signatureversion 3). */
  signatureLifetimeMs?: number
  /** Page size for list commands (CloudStack's default.page.size is 500). */
  pageSize?: number
}

export type CloudStackParams = Record<string, string | number | boolean | undefined>
export type CloudStackObject = Record<string, unknown>

export interface CloudStackClient {
  /** One command; returns the object under `<command>response`. Throws CloudStackRequestError. */
  call(command: string, params?: CloudStackParams, signal?: AbortSignal): Promise<CloudStackObject>
  /** A list command, every page; `key` is the list's name in the response (`host`, `zone`...). */
  listAll(command: string, key: string, params?: CloudStackParams, signal?: AbortSignal): Promise<CloudStackObject[]>
}

/** CloudStack's error body: `{"<command>response": {"errorcode": 431, "errortext": "..."}}`. */
function errorOf(body: unknown): { errorcode?: number; errortext?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const inner = Object.values(body)[0] as { errorcode?: unknown; errortext?: unknown } | undefined
  if (!inner || typeof inner !== 'object' || typeof inner.errortext !== 'string') return undefined
  return { errortext: inner.errortext, ...(typeof inner.errorcode === 'number' ? { errorcode: inner.errorcode } : {}) }
}

/**
 * A small signed CloudStack API client: POST form bodies (the signature stays out of URLs and proxy
 * logs), `response=json`, signature version 3 with a short `expires` so a captured request cannot be
 * replayed later. The secret key only ever goes into the HMAC.
 */
export function createCloudStackClient(options: CloudStackClientOptions): CloudStackClient {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000
  const lifetimeMs = options.signatureLifetimeMs ?? 5 * 60_000
  const pageSize = options.pageSize ?? 500

  const call = async (
    command: string,
    params: CloudStackParams = {},
    signal?: AbortSignal
  ): Promise<CloudStackObject> => {
    const all = new Map<string, string>([
      ['command', command],
      ['response', 'json'],
      ['apiKey', options.apiKey],
      ['signatureversion', '3'],
      ['expires', toCloudStackDate(new Date(Date.now() + lifetimeMs))]
    ])
    for (const [k, v] of Object.entries(params)) if (v !== undefined) all.set(k, String(v))
    all.set('signature', cloudStackSignature(all, options.secretKey.reveal()).toString('base64'))

    const timeout = AbortSignal.timeout(requestTimeoutMs)
    let response: Response
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams([...all]).toString(),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout
      })
    } catch (err) {
      if (signal?.aborted) throw new CloudStackRequestError(command, 'stopped', undefined, false)
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      const why = timeout.aborted
        ? `no answer from ${options.url} within ${requestTimeoutMs} ms`
        : `cannot reach ${options.url}: ${cause?.code ?? cause?.message ?? String(err)}`
      throw new CloudStackRequestError(command, why, undefined, true)
    }
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      // a proxy's HTML error page, or not a CloudStack endpoint at all
      const snippet = text.slice(0, 200).replace(/\s+/g, ' ').trim()
      throw new CloudStackRequestError(
        command,
        `HTTP ${response.status} from ${options.url}, not CloudStack JSON: ${snippet}`,
        response.status,
        response.status >= 500
      )
    }
    const error = errorOf(body)
    if (!response.ok || error) {
      const errorcode = error?.errorcode ?? response.status
      throw new CloudStackRequestError(
        command,
        error?.errortext ?? `HTTP ${response.status}`,
        errorcode,
        errorcode >= 500 && errorcode !== 530
      )
    }
    const inner = (body as CloudStackObject)[`${command.toLowerCase()}response`]
    if (typeof inner !== 'object' || inner === null) {
      throw new CloudStackRequestError(
        command,
        `unexpected answer: no ${command.toLowerCase()}response`,
        response.status,
        false
      )
    }
    return inner as CloudStackObject
  }

  return {
    call,
    async listAll(command, key, params = {}, signal) {
      const items: CloudStackObject[] = []
      for (let page = 1; ; page++) {
        const answer = await call(command, { ...params, page, pagesize: pageSize }, signal)
        const batch = Array.isArray(answer[key]) ? (answer[key] as CloudStackObject[]) : []
        items.push(...batch)
        const count = typeof answer.count === 'number' ? answer.count : undefined
        if (batch.length < pageSize || (count !== undefined && items.length >= count)) return items
      }
    }
  }
}
