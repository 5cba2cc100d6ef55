import { describe, expect, it } from 'vitest'
import { createStreamSlots, STREAM_LIMITS } from '../../api/event-stream-slots.js'
import { TooManyStreamsError } from '../../shared/errors/too-many-streams-error.js'
import { compareStreamIds } from '../../store/events/run-event-hub.js'

describe('event stream slots (docs/api.md#limits: 20 per key, 500 in all)', () => {
  it('the documented limits (docs/api.md#limits) are the defaults', () => {
    expect(STREAM_LIMITS).toEqual({ perKey: 20, total: 500 })
  })

  it('refuses beyond the per-key and total limits; a release frees exactly one slot, once', () => {
    const slots = createStreamSlots({ perKey: 2, total: 3 })
    const a1 = slots.acquire('a')
    slots.acquire('a')
    expect(() => slots.acquire('a')).toThrow(TooManyStreamsError)
    expect(() => slots.acquire('a')).toThrow(/limit per key/)
    slots.acquire('b')
    expect(() => slots.acquire('c')).toThrow(/limit in all/)
    a1()
    a1()
    expect(slots.open).toBe(2)
    expect(() => slots.acquire('c')).not.toThrow()
    expect(() => slots.acquire('a')).toThrow(/limit in all/)
  })
})

describe('stream ids', () => {
  it('compare numerically, not as strings', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1)
    expect(compareStreamIds('10-2', '10-10')).toBe(-1)
    expect(compareStreamIds('10-10', '10-10')).toBe(0)
    expect(compareStreamIds('1700000000000-1', '0-0')).toBe(1)
  })
})
