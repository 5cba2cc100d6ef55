import { describe, expect, it } from 'vitest'
import { canaryPauseDue, canaryProblem } from '../../shared/controls/canary.js'
import { decideFailure, failureLimit } from '../../shared/controls/failure-budget.js'

describe('decideFailure (maxFailures)', () => {
  it('default 0: the first failure stops the run', () => {
    expect(decideFailure({ forced: false, maxFailures: 0 }, 1)).toBe('stop')
  })
  it('maxFailures 2: the first two failures are skipped, the third stops the run', () => {
    const budget = { forced: false, maxFailures: 2 }
    expect([1, 2, 3, 4].map((n) => decideFailure(budget, n))).toEqual(['skip', 'skip', 'stop', 'stop'])
  })
  it('forced is unlimited whatever maxFailures says', () => {
    expect(decideFailure({ forced: true, maxFailures: 0 }, 1000)).toBe('skip')
    expect(failureLimit({ forced: true, maxFailures: 3 })).toBeNull()
    expect(failureLimit({ forced: false, maxFailures: 3 })).toBe(3)
  })
})

describe('canary', () => {
  it('pauses exactly once, when the updated count reaches the canary size', () => {
    expect(canaryPauseDue({ size: 2, updated: 1, alreadyPaused: false })).toBe(false)
    expect(canaryPauseDue({ size: 2, updated: 2, alreadyPaused: false })).toBe(true)
    // parallel clusters may push the count past N before the first of them looks
    expect(canaryPauseDue({ size: 2, updated: 3, alreadyPaused: false })).toBe(true)
    expect(canaryPauseDue({ size: 2, updated: 3, alreadyPaused: true })).toBe(false)
    expect(canaryPauseDue({ size: undefined, updated: 10, alreadyPaused: false })).toBe(false)
  })
  it('refuses a canary of 0, a fraction or larger than the run', () => {
    expect(canaryProblem(undefined, 3)).toBeUndefined()
    expect(canaryProblem(3, 3)).toBeUndefined()
    expect(canaryProblem(4, 3)).toBe('canary is 4 but the run has only 3 hosts')
    expect(canaryProblem(2, 1)).toBe('canary is 2 but the run has only 1 host')
    expect(canaryProblem(0, 3)).toMatch(/at least 1/)
    expect(canaryProblem(1.5, 3)).toMatch(/whole number/)
  })
})
