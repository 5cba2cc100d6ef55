import type { FleetView, Role, RunTimeline, RunView } from './lib/api-types.js'

/** An API answer other than 2xx, with the server's own message (errors name the problem: docs/api.md#errors). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export interface Credentials {
  apiKey: string
  secretKey: string
}

function basic(c: Credentials): string {
  // btoa takes Latin-1 only: encode as UTF-8 first, as the server decodes it.
  const bytes = new TextEncoder().encode(`${c.apiKey}:${c.secretKey}`)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return `Basic ${btoa(bin)}`
}

/** Headers of every API call; the client header keeps the browser's own login prompt away. */
export function authHeaders(c: Credentials): Record<string, string> {
  return { authorization: basic(c), 'x-rollmaint-client': 'console' }
}

const RUNS = '/api/v1/rolling-maintenance'

export class ApiClient {
  constructor(private readonly creds: Credentials) {}

  get headers(): Record<string, string> {
    return authHeaders(this.creds)
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(path, {
        method,
        headers: {
          ...this.headers,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? null : JSON.stringify(body)
      })
    } catch {
      throw new ApiError(0, 'NETWORK', `Cannot reach the rollmaint API at ${location.origin}. Is it running?`)
    }
    const text = await res.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (!res.ok) {
      const e = (json ?? {}) as { error?: string; message?: string }
      throw new ApiError(
        res.status,
        e.error ?? `HTTP_${res.status}`,
        e.message ?? (text || `${method} ${path} answered ${res.status}`)
      )
    }
    return json as T
  }

  whoami = () => this.request<{ name: string; role: Role }>('GET', '/api/v1/whoami')
  fleet = () => this.request<FleetView>('GET', '/api/v1/fleet')
  openApi = () => this.request<unknown>('GET', '/docs/json')
  runs = (limit = 100) => this.request<{ runs: RunView[] }>('GET', `${RUNS}?limit=${limit}`)
  run = (id: string) => this.request<RunView>('GET', `${RUNS}/${encodeURIComponent(id)}`)
  timeline = (id: string) => this.request<RunTimeline>('GET', `${RUNS}/${encodeURIComponent(id)}/timeline`)
  start = (body: Record<string, unknown>) => this.request<RunView>('POST', RUNS, body)
  dryRun = (body: Record<string, unknown>) => this.request<unknown>('POST', RUNS, { ...body, dryRun: true })
  action = (id: string, action: 'pause' | 'resume' | 'cancel' | 'retry') =>
    this.request<RunView>('POST', `${RUNS}/${encodeURIComponent(id)}/${action}`)
}
