/** What running (or re-attaching to) one stage script on a host produced. */
export type StageResult =
  | { kind: 'missing' }
  | {
      kind: 'exited'
      exitCode: number
      output: string
      startedAt: string
      finishedAt: string
      durationMs: number
      bootIdChanged: boolean
    }
  | {
      kind: 'timeout'
      output: string
      startedAt: string
      finishedAt: string
      durationMs: number
      bootIdChanged: boolean
    }
  | { kind: 'vanished'; output: string; bootIdChanged: boolean }
