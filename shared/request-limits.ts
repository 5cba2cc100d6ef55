/**
 * The limits of a run request, in one place for every way in (REST schema and handler, `/client/api`,
 * the run service): docs/api.md#limits. The REST schema enforces the shapes first; `payloadProblem` and
 * `timeoutProblem` are what every entry point checks, so none can drift from the others.
 */
export const REQUEST_LIMITS = {
  /** Stage payload, passed to every script as `$1`: bytes (UTF-8), not characters. */
  payloadMaxBytes: 64 * 1024,
  /** Stage timeout in seconds. */
  timeoutMinSec: 1,
  timeoutMaxSec: 604_800,
  /** Any request body (JSON or form). */
  bodyMaxBytes: 256 * 1024,
  idMaxLength: 255,
  idListMaxItems: 10_000,
  /** A comma-separated id list as one string. */
  idListMaxChars: 100_000
} as const

/** Why a payload cannot be run, or undefined when it can. */
export function payloadProblem(payload: string | undefined): string | undefined {
  if (payload === undefined) return undefined
  if (payload.includes('\0')) return 'payload must not contain a NUL byte'
  if (Buffer.byteLength(payload) > REQUEST_LIMITS.payloadMaxBytes) return 'payload is larger than 64 KiB'
  return undefined
}

/** Why a stage timeout is out of bounds, or undefined when it is fine. */
export function timeoutProblem(timeout: number | undefined): string | undefined {
  if (timeout === undefined) return undefined
  if (!Number.isInteger(timeout) || timeout < REQUEST_LIMITS.timeoutMinSec || timeout > REQUEST_LIMITS.timeoutMaxSec) {
    return `timeout must be a whole number of seconds between ${REQUEST_LIMITS.timeoutMinSec} and ${REQUEST_LIMITS.timeoutMaxSec}`
  }
  return undefined
}
