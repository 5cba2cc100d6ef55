import { describe, expect, it } from 'vitest'
import { bucketOf, ownBucketPart, STAGE_BUCKETS } from '../../shared/metrics/stage-buckets.js'

describe('stage duration buckets', () => {
  it('a duration is counted in the smallest bucket it fits under, +Inf above the last', () => {
    expect(bucketOf(0)).toBe('0.1')
    expect(bucketOf(0.1)).toBe('0.1')
    expect(bucketOf(0.1001)).toBe('0.5')
    expect(bucketOf(29.9)).toBe('30')
    expect(bucketOf(STAGE_BUCKETS.at(-1)!)).toBe('1800')
    expect(bucketOf(1800.5)).toBe('+Inf')
    expect(ownBucketPart(bucketOf(3))).toBe('b5')
  })
})
