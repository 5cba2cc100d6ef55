import type { RunView } from '../shared/run-view.js'

export interface ClientOptions {
  url: string
  apiKey: string
  secretKey: string
}

/** An HTTP answer the CLI turns into a message and exit code 2. */
export class CliHttpError extends Error {
  readonly code = 'CLI_HTTP'
  override readonly name = 'CliHttpError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The REST API with Basic auth; errors carry the server's message (never the secret). */
export function createApiClient(opts: ClientOptions) {
  const base = opts.url.replace(/\/+$/, '')
  const headers = { authorization: `Basic ${Buffer.from(`${opts.apiKey}:${opts.secretKey}`).toString('base64')}` }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (err) {
      throw new CliHttpError(0, `cannot reach ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`)
    }
    const text = await res.text()
    if (!res.ok) {
      let message = text
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text
      } catch {
        // not JSON: keep the text
      }
      if (res.status === 401) message = `wrong API key or secret (${message})`
      throw new CliHttpError(res.status, `${method} ${path} → ${res.status}: ${message}`)
    }
    return JSON.parse(text) as T
  }

  return {
    base,
    headers,
    startRun: (body: Record<string, unknown>) => call<RunView>('POST', '/api/v1/rolling-maintenance', body),
    getRun: (id: string) => call<RunView>('GET', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}`),
    listRuns: (limit: number) => call<{ runs: RunView[] }>('GET', `/api/v1/rolling-maintenance?limit=${limit}`),
    cancelRun: (id: string) => call<RunView>('POST', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/cancel`),
  }
}

export type ApiClient = ReturnType<typeof createApiClient>
