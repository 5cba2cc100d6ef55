/** Upper bounds (seconds) of the stage duration histogram: seconds-long checks to half-hour upgrades. */
export const STAGE_BUCKETS = [0.1, 0.5, 1, 5, 30, 120, 600, 1800] as const

/** Outcomes a stage is recorded with. */
export type StageOutcome = 'ok' | 'no-script' | 'avoid' | 'failed' | 'timeout' | 'unreachable'

export const bucketField = (stage: string, outcome: string, le: string): string => `${stage}|${outcome}|${le}`
