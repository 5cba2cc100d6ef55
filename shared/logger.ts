import { pino, type Logger, type DestinationStream } from 'pino'
import type { LogLevel } from './config.js'

/**
 * Every secret we handle has one of these names; pino removes them before serialisation, so a
 * careless `log.info({ host })` or a logged request cannot leak them.
 */
export const REDACT_PATHS = [
  'secretKey',
  '*.secretKey',
  'privateKey',
  '*.privateKey',
  'passphrase',
  '*.passphrase',
  'password',
  '*.password',
  'signature',
  '*.signature',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie'
]

/** Query parameters whose values are credentials (`/client/api` carries `apikey` and `signature`). */
const SECRET_QUERY_PARAMS = new Set([
  'apikey',
  'signature',
  'secretkey',
  'sessionkey',
  'password',
  'token',
  'access_token'
])

/**
 * A request's path and query with credential values replaced by `[redacted]`: what request logs
 * show instead of the raw URL (issue 11, item 3). Pure.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const params = new URLSearchParams(url.slice(q + 1))
  const shown = [...params].map(([k, v]) => [k, SECRET_QUERY_PARAMS.has(k.toLowerCase()) ? '[redacted]' : v] as const)
  return `${url.slice(0, q)}?${shown.map(([k, v]) => `${encodeURIComponent(k)}=${v === '[redacted]' ? v : encodeURIComponent(v)}`).join('&')}`
}

interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number | undefined } | null
}

/** Fastify's request serializer, minus the raw URL. */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url ?? ''),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort
  }
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Fastify merges these over its own serializers: the request log never carries the raw URL.
      serializers: { req: serializeRequest }
    },
    destination
  )
}
