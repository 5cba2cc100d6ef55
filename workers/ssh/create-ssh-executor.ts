import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import { SshUnreachableError } from '../../shared/errors/ssh-unreachable-error.js'
import type { HostConfig, StageName } from '../../shared/types.js'
import type { ExecOptions, ExecReply, HostExecutor, HostSession, OpenOptions, StageRequest } from '../host-executor.js'
import { connectHost, type HostConnection } from './connect-host.js'
import { cleanupOldRuns, hasStageScript, runStage, runStageChain } from './run-stage.js'
import { openRunnerShell, shellQuote, type RunnerShell } from './runner-shell.js'
import type { StageResult } from './stage-result.js'

export interface SshExecutorOptions {
  logger: Logger
  readyTimeoutMs?: number
  keepaliveIntervalMs?: number
  /** How long after a stage's own timeout we keep trying to re-attach to it over a lost connection. */
  reattachGraceMs?: number
}

/** How often one runner shell is asked to clean up old runs' files (the runner's own limit too). */
const CLEAN_EVERY_MS = 3_600_000

/** exec() output kept per stream: drivers parse it whole (virsh listings), so far more than a stage's tail. */
const EXEC_KEEP_BYTES = 8 * 1024 * 1024

/**
 * Production executor: one SSH connection and one persistent runner shell per host session (a host
 * cycle), every stage a request on that shell. A dropped connection is re-established and a detached
 * stage re-attached (the runner on the host keeps it running); a direct stage is never started
 * again. Authentication and host-key failures are never retried.
 */
export function createSshExecutor(opts: SshExecutorOptions): HostExecutor {
  const connectOpts = {
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 5_000,
    logger: opts.logger
  }
  const reattachGraceMs = opts.reattachGraceMs ?? 60_000

  return {
    async open(host: HostConfig, openOpts: OpenOptions = {}): Promise<HostSession> {
      const log = opts.logger.child({ hostId: host.id, host: host.name })
      let conn!: HostConnection
      let shell: Promise<RunnerShell> | undefined
      let cleaned: { shell: RunnerShell; at: number } | undefined
      /** Results of stages a chain started (`followedBy`), by run and stage, until they are asked for. */
      const ahead = new Map<string, Promise<StageResult | undefined>>()

      async function reconnect(deadline: number): Promise<void> {
        let delay = 250
        for (;;) {
          try {
            conn = await connectHost(host, connectOpts)
            shell = undefined
            return
          } catch (err) {
            const retryable = err instanceof SshUnreachableError || err instanceof SshConnectionLostError
            if (!retryable || Date.now() >= deadline) throw err
            // Keep trying right up to the deadline: the last attempt is made at the deadline itself.
            const wait = Math.min(delay, Math.max(0, deadline - Date.now()))
            log.warn({ err, retryInMs: wait }, 'host unreachable; retrying to re-attach to the running stage')
            await sleep(wait)
            delay = Math.min(delay * 2, 1_000)
          }
        }
      }
      if (openOpts.reattachTimeoutSec === undefined) conn = await connectHost(host, connectOpts)
      else await reconnect(Date.now() + openOpts.reattachTimeoutSec * 1000 + reattachGraceMs)

      /** The runner shell on the current connection, (re)started when needed. */
      async function runner(deadline: number): Promise<RunnerShell> {
        if (conn.closed) await reconnect(deadline)
        const current = shell ? await shell.catch(() => undefined) : undefined
        if (current && !current.closed) return current
        const opened = openRunnerShell(conn, host)
        shell = opened
        return opened
      }

      return {
        async hasStageScript(stage: StageName): Promise<boolean> {
          // A connection opened ahead of time may have been dropped while it waited.
          return hasStageScript(await runner(Date.now() + connectOpts.readyTimeoutMs), stage)
        },
        async runStage(request: StageRequest): Promise<StageResult> {
          const key = `${request.runId}\n${request.stage}`
          const started = ahead.get(key)
          if (started) {
            ahead.delete(key)
            // Started by the host after the stage before it: its result, unless it was held or the
            // connection went; then it is asked for below (a re-attach when it did start).
            const result = await started.catch((err: unknown) => {
              if (err instanceof SshConnectionLostError) return undefined
              throw err
            })
            if (result) return result
          }
          const deadline = Date.now() + request.timeoutSec * 1000 + reattachGraceMs
          const req = { ...request, host }
          let following = host.executor === 'direct' || started ? [] : (request.followedBy ?? [])
          for (;;) {
            try {
              const shell = await runner(deadline)
              if (following.length === 0) return await runStage(shell, req)
              const [first, ...rest] = runStageChain(shell, req, following)
              // What an earlier chain started and nobody asked for (a host skipped after its
              // PreMaintenance) is obsolete once the worker is at another cycle: a pooled session
              // must not keep it.
              ahead.clear()
              for (const [i, f] of following.entries()) ahead.set(`${request.runId}\n${f.stage}`, rest[i]!)
              const result = await first!
              if (!result) throw new Error(`the stage runner on host ${host.name} held the first stage of a chain`)
              return result
            } catch (err) {
              // A direct stage is never retried: runStage turns its lost connection into StageOutcomeUnknownError.
              if (!(err instanceof SshConnectionLostError) || Date.now() > deadline) throw err
              log.warn({ stage: request.stage }, 'connection lost while a stage was running; re-attaching')
              // Again on its own: the stages it was to be followed by are asked for when they are due.
              following = []
              conn.close()
              await reconnect(deadline)
            }
          }
        },
        async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecReply> {
          if (argv.length === 0) throw new Error('exec needs a command (argv is empty)')
          if (argv.some((a) => a.includes('\0'))) throw new Error('exec arguments cannot contain a NUL byte')
          if (conn.closed) await reconnect(Date.now() + connectOpts.readyTimeoutMs)
          const timeoutMs = options.timeoutMs ?? 60_000
          // The host's own `timeout` kills the command's whole process group when the time is up;
          // the worker's timer (same length) answers the caller without waiting for the host.
          // Whichever of the two is seen first, the caller gets ExecTimeoutError.
          const command = ['timeout', '-k', '1', `${(timeoutMs / 1000).toFixed(3)}s`, ...argv].map(shellQuote).join(' ')
          const r = await conn.exec(command, {
            stdin: options.stdin,
            timeoutMs,
            timeoutExitCode: 124,
            keepBytes: EXEC_KEEP_BYTES
          })
          return {
            exitCode: r.code,
            signal: r.signal,
            stdout: r.stdout.toString('utf8'),
            stderr: r.stderr.toString('utf8')
          }
        },
        async cleanup(days: number): Promise<void> {
          if (conn.closed) return
          const current = await runner(Date.now() + connectOpts.readyTimeoutMs)
          // The runner scans at most hourly anyway (its `cleaned` file); a shell that asked within
          // the hour is not asked again, which saves a pooled session a round trip per run.
          if (cleaned?.shell === current && Date.now() - cleaned.at < CLEAN_EVERY_MS) return
          await cleanupOldRuns(current, days)
          cleaned = { shell: current, at: Date.now() }
        },
        close() {
          // close() is synchronous for its callers: a shell still opening is closed once it is open.
          void shell?.then(
            (s) => s.close(),
            () => undefined
          )
          conn.close()
        }
      }
    }
  }
}
