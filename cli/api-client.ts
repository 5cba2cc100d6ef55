import type { DryRunPlan } from '../shared/dry-run-plan.js'
import type { HostView, RunView } from '../shared/run-view.js'

export interface ClientOptions {
  url: string
  apiKey: string
  secretKey: string
}

/** An HTTP answer (or none: status 0) the CLI turns into a message and exit code 2. */
export class CliHttpError extends Error {
  readonly code = 'CLI_HTTP'
  override readonly name = 'CliHttpError'
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/** The server's `{message}` when it sent one; 401 says plainly what is wrong. Never includes the secret. */
export async function httpError(method: string, path: string, res: Response): Promise<CliHttpError> {
  const text = await res.text().catch(() => '')
  let message = text
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text
  } catch {
    // not JSON: keep the text
  }
  if (res.status === 401) message = `wrong API key or secret (${message})`
  return new CliHttpError(res.status, `${method} ${path} → ${res.status}: ${message}`)
}

/** fetch's own message is "fetch failed"; the cause says what happened (ECONNREFUSED, ENOTFOUND...). */
export function networkFailure(base: string, err: unknown): CliHttpError {
  const e = err as Error
  return new CliHttpError(0, `cannot reach ${base}: ${e.cause instanceof Error ? e.cause.message : e.message}`)
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
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (err) {
      throw networkFailure(base, err)
    }
    if (!res.ok) throw await httpError(method, path, res)
    return (await res.json()) as T
  }

  return {
    base,
    headers,
    eventsPath: (id: string) => `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/events`,
    startRun: (body: Record<string, unknown>) => call<RunView>('POST', '/api/v1/rolling-maintenance', body),
    getRun: (id: string) => call<RunView>('GET', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}`),
    listRuns: (limit: number) => call<{ runs: RunView[] }>('GET', `/api/v1/rolling-maintenance?limit=${limit}`),
    cancelRun: (id: string) => call<RunView>('POST', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/cancel`),
    planRun: (body: Record<string, unknown>) =>
      call<{ plan: DryRunPlan }>('POST', '/api/v1/rolling-maintenance', { ...body, dryRun: true }),
    pauseRun: (id: string) => call<RunView>('POST', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/pause`),
    resumeRun: (id: string) => call<RunView>('POST', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/resume`),
    retryRun: (id: string) => call<RunView>('POST', `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/retry`),
    listHosts: () => call<{ hosts: HostView[] }>('GET', '/api/v1/hosts'),
    cancelHostMaintenance: (id: string) =>
      call<HostView>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/cancel-maintenance`)
  }
}

export type ApiClient = ReturnType<typeof createApiClient>
