import { setTimeout as sleep } from 'node:timers/promises'
import type { ExecOptions, ExecReply, HostExecutor, HostSession, StageRequest } from '../workers/host-executor.js'
import { ExecTimeoutError } from '../shared/errors/exec-timeout-error.js'
import type { StageResult } from '../workers/ssh/stage-result.js'
import type { HostConfig, StageName } from '../shared/types.js'

export interface SimulatedStage {
  /** Milliseconds the stage "runs". */
  durationMs?: number
  exitCode?: number
}

export interface SimulatedExecutorOptions {
  stages?: Partial<Record<StageName, SimulatedStage>>
  /** Called on every stage start and end, to build the same host-side timeline real hosts log. */
  onEvent?: (e: { t: number; host: string; stage: StageName; event: 'start' | 'end' }) => void
  /** Answers HostSession.exec (drivers' commands); default: exit 0, no output, no delay. */
  onExec?: (host: HostConfig, argv: readonly string[], options: ExecOptions) => Promise<ExecReply> | ExecReply
}

/**
 * BENCHMARK ONLY: an executor that skips the network and the hosts entirely; every other part of
 * the path (API, run service, BullMQ, Redis, leases, slots, workers) is the real one. Labelled as
 * such wherever its figures are reported.
 */
export function createSimulatedExecutor(opts: SimulatedExecutorOptions = {}): HostExecutor {
  return {
    async open(host: HostConfig): Promise<HostSession> {
      return {
        async hasStageScript(stage) {
          return opts.stages?.[stage] !== undefined || stage === 'Maintenance'
        },
        async runStage(req: StageRequest): Promise<StageResult> {
          const spec = opts.stages?.[req.stage]
          if (!spec && req.stage !== 'Maintenance') return { kind: 'missing' }
          const startedAt = new Date()
          opts.onEvent?.({ t: startedAt.getTime(), host: host.name, stage: req.stage, event: 'start' })
          if (spec?.durationMs) await sleep(spec.durationMs)
          const finishedAt = new Date()
          opts.onEvent?.({ t: finishedAt.getTime(), host: host.name, stage: req.stage, event: 'end' })
          return {
            kind: 'exited',
            exitCode: spec?.exitCode ?? 0,
            output: '',
            startedAt: startedAt.toISOString(),
            finishedAt: finishedAt.toISOString(),
            durationMs: finishedAt.getTime() - startedAt.getTime(),
            bootIdChanged: false
          }
        },
        async exec(argv, options = {}): Promise<ExecReply> {
          if (!opts.onExec) return { exitCode: 0, stdout: '', stderr: '' }
          const reply = Promise.resolve(opts.onExec(host, argv, options))
          if (options.timeoutMs === undefined) return reply
          let timer: NodeJS.Timeout | undefined
          const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new ExecTimeoutError(
                    host.id,
                    `simulated command ${argv[0]} did not finish within ${options.timeoutMs} ms`
                  )
                ),
              options.timeoutMs
            )
          })
          return Promise.race([reply, expired]).finally(() => clearTimeout(timer))
        },
        async cleanup() {},
        close() {}
      }
    }
  }
}
