import { DateTime, IANAZone } from 'luxon'

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]

/** docs/api.md#operator-controls: a new host starts only inside this window; `days` are the days on which it opens. */
export interface MaintenanceWindow {
  days?: Weekday[] | undefined
  /** "HH:MM", 24-hour, local to `timezone`. */
  start: string
  end: string
  /** IANA time-zone name, e.g. Europe/Berlin. */
  timezone: string
}

export interface WindowState {
  open: boolean
  /** When open: when the current window closes. */
  closesAt?: DateTime | undefined
  /** When closed: the next opening (undefined only if `days` is empty, which validation refuses). */
  opensAt?: DateTime | undefined
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Every problem with a window, each naming the field; empty when it is usable. Pure. */
export function windowProblems(w: MaintenanceWindow): string[] {
  const problems: string[] = []
  if (!HHMM.test(w.start)) problems.push(`window.start must be HH:MM (00:00 to 23:59), got ${JSON.stringify(w.start)}`)
  if (!HHMM.test(w.end)) problems.push(`window.end must be HH:MM (00:00 to 23:59), got ${JSON.stringify(w.end)}`)
  if (problems.length === 0 && w.start === w.end) {
    problems.push(
      `window.start and window.end are both ${w.start}: the window would be empty (or the whole day); omit window to allow any time`
    )
  }
  if (!IANAZone.isValidZone(w.timezone))
    problems.push(
      `window.timezone ${JSON.stringify(w.timezone)} is not a known IANA time zone (e.g. Europe/Berlin, UTC)`
    )
  if (w.days !== undefined) {
    if (w.days.length === 0) problems.push('window.days is empty: the window would never open; omit it for every day')
    const unknown = w.days.filter((d) => !(WEEKDAYS as readonly string[]).includes(d))
    if (unknown.length > 0)
      problems.push(
        `window.days: unknown day ${unknown.map((d) => JSON.stringify(d)).join(', ')} (use ${WEEKDAYS.join(', ')})`
      )
    if (new Set(w.days).size !== w.days.length) problems.push('window.days lists a day twice')
  }
  return problems
}

function minutes(hhmm: string): { hour: number; minute: number } {
  const [h, m] = hhmm.split(':')
  return { hour: Number(h), minute: Number(m) }
}

/**
 * The window occurrences that open on `day` (a local date in the window's zone): [start, end).
 * Local times that do not exist (DST spring-forward gap) are moved forward by luxon; an end on the
 * next day makes the overnight case (22:00-05:00) one interval.
 */
function occurrence(w: MaintenanceWindow, day: DateTime): { start: DateTime; end: DateTime } {
  const start = day.set({ ...minutes(w.start), second: 0, millisecond: 0 })
  const overnight = w.end <= w.start
  const endDay = overnight ? day.plus({ days: 1 }) : day
  const end = endDay.set({ ...minutes(w.end), second: 0, millisecond: 0 })
  return { start, end }
}

/**
 * Whether `now` is inside the window and, if not, when it next opens. Pure; `now` is any instant.
 * Looks at the day before (an overnight window opened yesterday may still be open) through eight
 * days ahead, which covers every `days` filter.
 */
export function windowState(w: MaintenanceWindow, now: Date | DateTime): WindowState {
  const t = (DateTime.isDateTime(now) ? now : DateTime.fromJSDate(now)).setZone(w.timezone)
  const days = new Set<string>(w.days ?? WEEKDAYS)
  const today = t.startOf('day')
  let next: DateTime | undefined
  for (let offset = -1; offset <= 8; offset++) {
    const day = today.plus({ days: offset })
    if (!days.has(WEEKDAYS[day.weekday - 1]!)) continue
    const { start, end } = occurrence(w, day)
    if (end <= start) continue // a whole window inside a DST gap: nothing to open
    if (start <= t && t < end) return { open: true, closesAt: end }
    if (start > t && (next === undefined || start < next)) next = start
  }
  return { open: false, opensAt: next }
}

/** ISO 8601 with the window's own offset and no milliseconds: `2026-11-25T22:00:00+01:00`. */
export function formatWindowTime(t: DateTime): string {
  return t.toISO({ suppressMilliseconds: true, includeOffset: true })!
}
