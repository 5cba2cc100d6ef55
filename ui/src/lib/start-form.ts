import type { Capabilities } from './capabilities.js'
import { isEmptyScope, type ScopeSelection } from './scope.js'

/** The start dialog's fields as typed (strings, so half-typed numbers stay visible). */
export interface StartForm {
  forced: boolean
  timeout: string
  payload: string
  maxFailures: string
  canary: string
  soakSeconds: string
  windowOn: boolean
  windowDays: string[]
  windowStart: string
  windowEnd: string
  windowTimezone: string
}

export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

export function emptyStartForm(timezone: string): StartForm {
  return {
    forced: false,
    timeout: '',
    payload: '',
    maxFailures: '',
    canary: '',
    soakSeconds: '',
    windowOn: false,
    windowDays: [...WEEK_DAYS],
    windowStart: '22:00',
    windowEnd: '05:00',
    windowTimezone: timezone
  }
}

export type StartBody = Record<string, unknown>

const MAX_PAYLOAD_BYTES = 64 * 1024

function intField(label: string, text: string, min: number, max: number): number | string | undefined {
  const t = text.trim()
  if (t === '') return undefined
  if (!/^\d+$/.test(t)) return `${label} must be a whole number`
  const n = Number(t)
  if (n < min || n > max) return `${label} must be between ${min} and ${max}`
  return n
}

/**
 * Pure: the POST body for the picked scope and the form, or the first problem with what was
 * typed. Fields this server does not know (see capabilities) are never sent.
 */
export function buildStartBody(
  scope: ScopeSelection,
  form: StartForm,
  caps: Capabilities
): { body: StartBody } | { error: string } {
  if (isEmptyScope(scope)) return { error: 'Pick at least one zone, pod, cluster or host in the fleet.' }
  const body: StartBody = {}
  for (const kind of ['zoneids', 'podids', 'clusterids', 'hostids'] as const)
    if (scope[kind].length > 0) body[kind] = scope[kind]
  if (form.forced) body.forced = true
  const numbers: Array<[keyof StartForm & string, string, number, number, boolean]> = [
    ['timeout', 'Stage timeout', 1, 604_800, true],
    ['maxFailures', 'Max failures', 0, 1_000_000, caps.maxFailures],
    ['canary', 'Canary hosts', 1, 1_000_000, caps.canary],
    ['soakSeconds', 'Soak time', 0, 604_800, caps.soakSeconds]
  ]
  for (const [key, label, min, max, supported] of numbers) {
    if (!supported) continue
    const v = intField(label, String(form[key]), min, max)
    if (typeof v === 'string') return { error: v }
    if (v !== undefined) body[key] = v
  }
  if (form.payload !== '') {
    if (new TextEncoder().encode(form.payload).length > MAX_PAYLOAD_BYTES)
      return { error: 'Payload must be at most 64 KiB.' }
    if (form.payload.includes('\u0000')) return { error: 'Payload must not contain NUL characters.' }
    body.payload = form.payload
  }
  if (caps.window && form.windowOn) {
    if (form.windowDays.length === 0) return { error: 'Pick at least one day for the maintenance window.' }
    const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/
    if (!hhmm.test(form.windowStart) || !hhmm.test(form.windowEnd))
      return { error: 'Window start and end are times like 22:00.' }
    if (form.windowTimezone.trim() === '') return { error: 'Window time zone is required (e.g. Europe/Berlin).' }
    body.window = {
      days: form.windowDays,
      start: form.windowStart,
      end: form.windowEnd,
      timezone: form.windowTimezone.trim()
    }
  }
  return { body }
}
