import { describe, expect, it } from 'vitest'
import { placementViolations, type PlacementSample } from '../support/vm-placement.js'

// The KVM tests' "every VM kept running" check must catch what it claims to catch.
const sample = (
  t: number,
  on: Record<string, string[]>,
  stopped: Record<string, string[]> = {},
  unreadable: string[] = []
): PlacementSample => ({
  t,
  holders: new Map(Object.entries(on)),
  stopped: new Map(Object.entries(stopped)),
  unreadable
})

describe('placementViolations', () => {
  it('a VM that stays put, or moves with a short switch-over (none or both hosts for a moment), is fine', () => {
    const s = [
      sample(0, { a: ['h1'] }),
      sample(100, { a: [] }),
      sample(200, { a: ['h1', 'h2'] }),
      sample(300, { a: ['h2'] }),
      sample(400, { a: ['h2'] })
    ]
    expect(placementViolations(s, ['a'])).toEqual([])
  })

  it("the source's stopped copy at the end of a live migration, while the guest runs on the target, is fine", () => {
    const s = [sample(0, { a: ['h1'] }), sample(100, { a: ['h2'] }, { a: ['h1'] }), sample(200, { a: ['h2'] })]
    expect(placementViolations(s, ['a'])).toEqual([])
    // Stopped on the source with no running copy anywhere: lost.
    expect(placementViolations([sample(0, { a: ['h1'] }), sample(100, {}, { a: ['h1'] })], ['a'])[0]).toMatch(
      /a shut off on h1/
    )
  })

  it('a lost VM: running nowhere until the end, or shut off somewhere', () => {
    expect(placementViolations([sample(0, { a: ['h1'] }), sample(100, {}), sample(200, {})], ['a'])).toHaveLength(1)
    expect(
      placementViolations([sample(0, { a: ['h1'] }), sample(100, { a: ['h1'] }, { a: ['h2'] })], ['a'])[0]
    ).toMatch(/a shut off on h2/)
  })

  it('a VM running twice for longer than a switch-over, or gone and back on the same host', () => {
    const twice = [
      sample(0, { a: ['h1'] }),
      ...Array.from({ length: 30 }, (_, i) => sample(100 + i * 100, { a: ['h1', 'h2'] })),
      sample(3200, { a: ['h2'] })
    ]
    expect(placementViolations(twice, ['a'])).toHaveLength(1)
    expect(
      placementViolations([sample(0, { a: ['h1'] }), sample(100, {}), sample(200, { a: ['h1'] })], ['a'])
    ).toHaveLength(1)
  })

  it('a third host during a move is a violation; samples with an unreadable host prove nothing', () => {
    expect(
      placementViolations(
        [sample(0, { a: ['h1'] }), sample(100, { a: ['h1', 'h3'] }), sample(200, { a: ['h2'] })],
        ['a']
      )
    ).toHaveLength(1)
    expect(
      placementViolations([sample(0, { a: ['h1'] }), sample(100, {}, {}, ['h1']), sample(200, { a: ['h1'] })], ['a'])
    ).toEqual([])
    expect(placementViolations([], ['a'])).toEqual(['no samples taken'])
  })
})
