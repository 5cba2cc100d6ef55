import { spawn } from 'node:child_process'
import { OutputTail } from './output-tail.js'

export type LocalCommandResult =
  | { kind: 'exited'; exitCode: number; output: string }
  | { kind: 'signalled'; signal: string; output: string }
  | { kind: 'timed-out'; output: string }
  | { kind: 'aborted'; output: string }
  | { kind: 'not-started'; error: string }

export interface LocalCommandOptions {
  env: NodeJS.ProcessEnv
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** Between SIGTERM to the group and SIGKILL, so a command can clean up. */
  killGraceMs?: number
  outputLimit?: number
}

/**
 * Runs argv on this machine WITHOUT a shell, in its own process group, stdout and stderr kept together
 * (last 64 KiB). On timeout or abort the whole group is killed: a script's children (ssh, curl, sleep)
 * must not outlive it and keep changing the host after we have given up on it.
 */
export function runLocalCommand(argv: readonly string[], options: LocalCommandOptions): Promise<LocalCommandResult> {
  const [file, ...args] = argv
  if (file === undefined) return Promise.resolve({ kind: 'not-started', error: 'empty argv' })
  return new Promise((resolve) => {
    const tail = new OutputTail(options.outputLimit)
    let ended: 'timed-out' | 'aborted' | undefined
    let killTimer: NodeJS.Timeout | undefined
    let drainTimer: NodeJS.Timeout | undefined
    const child = spawn(file, args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false
    })
    child.stdout.on('data', (d: Buffer) => tail.push(d))
    child.stderr.on('data', (d: Buffer) => tail.push(d))

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, sig)
      } catch {
        // the group is already gone
      }
    }
    const stop = (why: 'timed-out' | 'aborted'): void => {
      if (ended) return
      ended = why
      killGroup('SIGTERM')
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? 5000)
      killTimer.unref()
    }
    const timer = setTimeout(() => stop('timed-out'), options.timeoutMs)
    const onAbort = (): void => stop('aborted')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()

    let done = false
    const finish = (result: LocalCommandResult): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      options.signal?.removeEventListener('abort', onAbort)
      // leftovers of the group (a background child holding no pipe) are not ours to keep either
      if (ended) killGroup('SIGKILL')
      if (killTimer) clearTimeout(killTimer)
      resolve(result)
    }
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      const output = tail.toString()
      if (ended) finish({ kind: ended, output })
      else if (code !== null) finish({ kind: 'exited', exitCode: code, output })
      else finish({ kind: 'signalled', signal: signal ?? 'unknown', output })
    }
    child.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'not-started', error: err.code ?? err.message }))
    // 'close' comes once every byte of output is read; a background child still holding the pipes
    // would delay it forever, so after 'exit' it gets a moment and then the group is killed
    child.on('exit', (code, signal) => {
      drainTimer = setTimeout(() => {
        killGroup('SIGKILL')
        child.stdout.destroy()
        child.stderr.destroy()
        settle(code, signal)
      }, 1000)
    })
    child.on('close', settle)
  })
}
