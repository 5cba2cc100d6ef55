import type { HostConfig, StageName } from '../shared/types.js'
import type { StageResult } from './ssh/stage-result.js'

export interface StageRequest {
  runId: string
  stage: StageName
  payload?: string | undefined
  timeoutSec: number
  onOutput?: ((chunk: Buffer) => void) | undefined
  /**
   * Stages the host may start right after this one, each only when the one before it ended as its
   * `after` says, without waiting for the worker (issue 12: no round trip between stages when
   * nothing happens between them). Their results are what later runStage calls for them get. An
   * executor may ignore it (then each stage is started when it is asked for); the SSH executor
   * honours it for `detached` hosts only.
   */
  followedBy?: readonly FollowingStage[] | undefined
}

export interface FollowingStage {
  stage: StageName
  /** What of the stage before it lets it start: exit status 0 only, or also no script at all. */
  after: 'exit-0' | 'exit-0-or-missing'
}

export interface ExecOptions {
  /** Default 60 s. On expiry the command's process group is killed on the host and the call rejects with ExecTimeoutError (code EXEC_TIMEOUT). */
  timeoutMs?: number | undefined
  /** Written to the command's stdin, which is then closed (without it the command reads EOF at once). */
  stdin?: string | Buffer | undefined
}

export interface ExecReply {
  exitCode: number | null
  signal?: string | undefined
  stdout: string
  stderr: string
}

/**
 * One host cycle's link to a host: opened once, used for every stage of the cycle. Implementations
 * re-attach to a running stage after a dropped connection instead of starting it again.
 */
export interface HostSession {
  /** Whether an executable `<Stage>`, `<Stage>.sh` or `<Stage>.py` exists in the hooks directory. */
  hasStageScript(stage: StageName): Promise<boolean>
  runStage(request: StageRequest): Promise<StageResult>
  /**
   * Runs one command on the host (argv quoted safely, no stage semantics): drivers (virsh), checks.
   * A lost connection rejects with SshConnectionLostError; the command is not retried.
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecReply>
  /** Removes the host's stage-runner state of runs older than `days`. */
  cleanup(days: number): Promise<void>
  close(): void
}

export interface OpenOptions {
  /**
   * The session is opened to run or re-attach to a stage with this timeout (a worker taking over a
   * host mid-cycle): an unreachable host (rebooting) is retried for the stage timeout plus the
   * executor's re-attach grace, as a stage's own reconnects are. Without it one attempt is made.
   */
  reattachTimeoutSec?: number | undefined
}

/** How workers reach hosts. SSH in production; the benchmark may plug in a simulated one. */
export interface HostExecutor {
  open(host: HostConfig, options?: OpenOptions): Promise<HostSession>
}
