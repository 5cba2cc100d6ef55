import type { HostConfig, StageName } from '../shared/types.js'
import type { StageResult } from './ssh/stage-result.js'

export interface StageRequest {
  runId: string
  stage: StageName
  payload?: string | undefined
  timeoutSec: number
  onOutput?: ((chunk: Buffer) => void) | undefined
}

/**
 * One host cycle's link to a host: opened once, used for every stage of the cycle. Implementations
 * re-attach to a running stage after a dropped connection instead of starting it again.
 */
export interface HostSession {
  /** Whether an executable `<Stage>`, `<Stage>.sh` or `<Stage>.py` exists in the hooks directory. */
  hasStageScript(stage: StageName): Promise<boolean>
  runStage(request: StageRequest): Promise<StageResult>
  /** Removes the host's stage-runner state of runs older than `days`. */
  cleanup(days: number): Promise<void>
  close(): void
}

/** How workers reach hosts. SSH in production; the benchmark may plug in a simulated one. */
export interface HostExecutor {
  open(host: HostConfig): Promise<HostSession>
}
