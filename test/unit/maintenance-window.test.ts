import type { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  formatWindowTime,
  windowProblems,
  windowState,
  type MaintenanceWindow
} from '../../shared/controls/maintenance-window.js'

const at = (iso: string): Date => new Date(iso)
const iso = (t: DateTime | undefined): string | undefined => (t ? formatWindowTime(t) : undefined)

describe('windowState', () => {
  const day: MaintenanceWindow = { start: '09:00', end: '17:00', timezone: 'UTC' }

  it('a same-day window: inside, before and after', () => {
    expect(windowState(day, at('2026-11-25T10:00:00Z'))).toMatchObject({ open: true })
    expect(iso(windowState(day, at('2026-11-25T10:00:00Z')).closesAt)).toBe('2026-11-25T17:00:00Z')
    const before = windowState(day, at('2026-11-25T08:59:59Z'))
    expect(before.open).toBe(false)
    expect(iso(before.opensAt)).toBe('2026-11-25T09:00:00Z')
    const after = windowState(day, at('2026-11-25T17:00:00Z'))
    expect(after.open).toBe(false) // end is exclusive
    expect(iso(after.opensAt)).toBe('2026-11-26T09:00:00Z')
    expect(windowState(day, at('2026-11-25T09:00:00Z')).open).toBe(true) // start is inclusive
  })

  it('an overnight window 22:00-05:00 in Europe/Berlin: open on both sides of midnight', () => {
    const night: MaintenanceWindow = { start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
    // 21:30 UTC = 22:30 Berlin (CET, +01:00)
    const late = windowState(night, at('2026-11-25T21:30:00Z'))
    expect(late.open).toBe(true)
    expect(iso(late.closesAt)).toBe('2026-11-26T05:00:00+01:00')
    // 02:00 UTC = 03:00 Berlin, inside the window that opened the evening before
    expect(windowState(night, at('2026-11-26T02:00:00Z')).open).toBe(true)
    // 12:00 Berlin: closed, opens tonight at 22:00 local
    const noon = windowState(night, at('2026-11-26T11:00:00Z'))
    expect(noon.open).toBe(false)
    expect(iso(noon.opensAt)).toBe('2026-11-26T22:00:00+01:00')
  })

  it('days filter: the day the window opens counts; an overnight Friday window is still open on Saturday morning', () => {
    const fri: MaintenanceWindow = { days: ['fri'], start: '22:00', end: '05:00', timezone: 'UTC' }
    // 2026-11-27 is a Friday
    expect(windowState(fri, at('2026-11-27T23:00:00Z')).open).toBe(true)
    expect(windowState(fri, at('2026-11-28T04:59:00Z')).open).toBe(true)
    // Saturday night: not a Friday, closed; next opening is next Friday
    const sat = windowState(fri, at('2026-11-28T23:00:00Z'))
    expect(sat.open).toBe(false)
    expect(iso(sat.opensAt)).toBe('2026-12-04T22:00:00Z')
    // Wednesday: next Friday
    expect(iso(windowState(fri, at('2026-11-25T12:00:00Z')).opensAt)).toBe('2026-11-27T22:00:00Z')
    // On Friday before 22:00 it opens the same evening
    expect(iso(windowState(fri, at('2026-11-27T21:59:00Z')).opensAt)).toBe('2026-11-27T22:00:00Z')
  })

  it('weekends only, in a zone west of UTC', () => {
    const w: MaintenanceWindow = { days: ['sat', 'sun'], start: '01:00', end: '06:00', timezone: 'America/New_York' }
    // Friday 2026-11-27 20:00 New York (EST, -05:00) = Saturday 01:00 UTC: Friday in New York, closed
    const fri = windowState(w, at('2026-11-28T01:00:00Z'))
    expect(fri.open).toBe(false)
    expect(iso(fri.opensAt)).toBe('2026-11-28T01:00:00-05:00')
    expect(windowState(w, at('2026-11-29T07:00:00Z')).open).toBe(true) // Sunday 02:00 New York
  })

  it('DST: the local opening time stays 22:00 across the change and the offset follows', () => {
    const night: MaintenanceWindow = { start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
    // Berlin moves to summer time on 2026-03-29 at 02:00 → 03:00.
    expect(iso(windowState(night, at('2026-03-28T12:00:00Z')).opensAt)).toBe('2026-03-28T22:00:00+01:00')
    expect(iso(windowState(night, at('2026-03-29T12:00:00Z')).opensAt)).toBe('2026-03-29T22:00:00+02:00')
    // The night of the change is an hour shorter: it still closes at 05:00 local (summer time).
    expect(iso(windowState(night, at('2026-03-28T23:00:00Z')).closesAt)).toBe('2026-03-29T05:00:00+02:00')
    // 03:30 UTC on that night is 05:30 CEST: already closed.
    expect(windowState(night, at('2026-03-29T03:30:00Z')).open).toBe(false)
  })

  it('DST: a start inside the spring-forward gap opens at the first real minute after it', () => {
    const w: MaintenanceWindow = { start: '02:30', end: '04:00', timezone: 'Europe/Berlin' }
    // 2026-03-29 02:30 local does not exist; luxon moves it to 03:30 CEST = 01:30 UTC.
    const s = windowState(w, at('2026-03-29T00:00:00Z'))
    expect(s.open).toBe(false)
    expect(iso(s.opensAt)).toBe('2026-03-29T03:30:00+02:00')
    expect(windowState(w, at('2026-03-29T01:45:00Z')).open).toBe(true)
  })

  it('DST: the autumn night is an hour longer and the window covers the repeated hour', () => {
    const w: MaintenanceWindow = { start: '01:00', end: '04:00', timezone: 'Europe/Berlin' }
    // 2026-10-25: 03:00 CEST → 02:00 CET. 01:00 CEST = 23:00 UTC, 04:00 CET = 03:00 UTC: four real hours.
    expect(windowState(w, at('2026-10-24T22:59:00Z')).open).toBe(false)
    expect(windowState(w, at('2026-10-24T23:00:00Z')).open).toBe(true)
    expect(windowState(w, at('2026-10-25T02:59:00Z')).open).toBe(true)
    expect(windowState(w, at('2026-10-25T03:00:00Z')).open).toBe(false)
  })
})

describe('windowProblems', () => {
  const ok: MaintenanceWindow = { start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
  it.each([
    [{ ...ok }, []],
    [{ ...ok, days: ['mon', 'sun'] }, []],
    [{ ...ok, timezone: 'Mars/Olympus' }, [/window.timezone "Mars\/Olympus" is not a known IANA time zone/]],
    [{ ...ok, end: '22:00' }, [/window.start and window.end are both 22:00/]],
    [{ ...ok, start: '24:00' }, [/window.start must be HH:MM/]],
    [{ ...ok, start: '7:00' }, [/window.start must be HH:MM/]],
    [{ ...ok, end: '05:60' }, [/window.end must be HH:MM/]],
    [{ ...ok, days: [] }, [/window.days is empty/]],
    [{ ...ok, days: ['monday'] }, [/window.days: unknown day "monday"/]],
    [{ ...ok, days: ['mon', 'mon'] }, [/lists a day twice/]]
  ] as Array<[MaintenanceWindow, RegExp[]]>)('%j', (w, expected) => {
    const problems = windowProblems(w)
    expect(problems).toHaveLength(expected.length)
    expected.forEach((re, i) => expect(problems[i]).toMatch(re))
  })
})
