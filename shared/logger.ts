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
  'req.headers.cookie',
]

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  )
}
