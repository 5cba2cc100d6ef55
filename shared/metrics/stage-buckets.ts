/** Upper bounds (seconds) of the stage duration histogram: seconds-long checks to half-hour upgrades. */
export const STAGE_BUCKETS = [0.1, 0.5, 1, 5, 30, 120, 600, 1800] as const

/** Outcomes a stage is recorded with. */
export type StageOutcome = 'ok' | 'no-script' | 'avoid' | 'failed' | 'timeout' | 'unreachable'

export const bucketField = (stage: string, outcome: string, le: string): string => `${stage}|${outcome}|${le}`

/**
 * Where a duration is counted: the smallest bucket bound it fits under (`+Inf` above the last).
 * Stored per bucket, not cumulative (one HINCRBY per stage instead of one per bound, issue 12);
 * `/metrics` adds them up into Prometheus' cumulative `le` buckets.
 */
export function bucketOf(seconds: number): string {
  for (const le of STAGE_BUCKETS) if (seconds <= le) return String(le)
  return '+Inf'
}

/** The stored field part of a bucket's own count (not cumulative), e.g. `b0.5`. */
export const ownBucketPart = (le: string): string => `b${le}`
