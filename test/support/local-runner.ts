import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { StageName } from '../../shared/types.js'
import { RUNNER_PROGRAM } from '../../workers/ssh/runner-program.js'
import { takeReply, type RunnerReply } from '../../workers/ssh/runner-reply.js'
import { runnerInit, shellQuote } from '../../workers/ssh/runner-shell.js'

export interface LocalRunnerOptions {
  stateDir: string
  hooksDir: string
  bootIdPath: string
  /** Put before the PATH the shell inherits (stub commands). */
  pathPrefix?: string
  /** Shell lines sent after the program, before the host's settings (e.g. `rm_ss=0`). */
  preamble?: string
  /**
   * Start the shell under a parent that reaps whatever is orphaned below it (PR_SET_CHILD_SUBREAPER),
   * as a host's init does: where this test runs, pid 1 may leave orphans as zombies, which look
   * alive to `kill -0`. The shell is then that parent's only child.
   */
  reaper?: boolean
  /**
   * With `reaper`: the shell leads a session and process group of its own, as sshd starts it (the
   * runner then runs scripts in that group); without, it is in its reaping parent's group (the
   * runner then gives each script a group of its own with setsid). Without `reaper` the shell
   * always leads its group.
   */
  leader?: boolean
}

/** A parent that becomes the subreaper of what it starts, starts `sh -s` on its own stdio and reaps until nothing is left. */
const reaper = (leader: boolean): string =>
  [
    'import ctypes, os',
    'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)',
    'if os.fork() == 0:',
    ...(leader ? ['    os.setsid()'] : []),
    "    os.execvp('sh', ['sh', '-s'])",
    'while True:',
    '    try:',
    '        os.wait()',
    '    except ChildProcessError:',
    '        break'
  ].join('\n')

/**
 * The stage runner program in a local `sh -s`, fed exactly as the worker feeds it over SSH: the
 * program, the host's settings, then request lines. For tests of the runner itself, without sshd.
 */
export class LocalRunner {
  readonly sh: ChildProcessWithoutNullStreams
  #buf = Buffer.alloc(0)
  readonly #reaper: boolean
  readonly #leader: boolean
  constructor(opts: LocalRunnerOptions) {
    this.#reaper = opts.reaper ?? false
    this.#leader = opts.leader ?? false
    const [cmd, args] = opts.reaper ? ['python3', ['-c', reaper(opts.leader ?? false)]] : ['sh', ['-s']]
    this.sh = spawn(cmd, args, {
      env: { ...process.env, PATH: `${opts.pathPrefix ? `${opts.pathPrefix}:` : ''}${process.env.PATH}` },
      // Its own process group, so that kill() takes the shell and whatever it started.
      detached: true
    })
    this.sh.stdout.on('data', (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c])
    })
    const init = runnerInit({
      id: 'h1',
      name: 'kvm1',
      stateDir: opts.stateDir,
      hooksDir: opts.hooksDir,
      bootIdPath: opts.bootIdPath
    })
    this.sh.stdin.write(`${RUNNER_PROGRAM}\n${opts.preamble ?? ''}\n${init}\n`)
  }
  /** The process started: the shell itself, or its reaping parent. */
  get pid(): number {
    return this.sh.pid!
  }
  /** `rm_stage`: one detached stage. */
  send(nonce: string, run: string, stage: StageName, payload?: string, timeoutSec = 30): void {
    const args = [nonce, run, stage, String(timeoutSec), 'detached', ...(payload === undefined ? [] : [payload])]
    this.sh.stdin.write(`rm_stage ${args.map(shellQuote).join(' ')}\n`)
  }
  /** `rm_chain` without payload: each stage after the first starts on the one before's exit 0. */
  chain(run: string, timeoutSec: number, stages: Array<{ nonce: string; stage: StageName }>): void {
    const args = [run, String(timeoutSec), '-', '', stages[0]!.nonce, stages[0]!.stage]
    for (const s of stages.slice(1)) args.push('0', s.nonce, s.stage)
    this.sh.stdin.write(`rm_chain ${args.map(shellQuote).join(' ')}\n`)
  }
  async reply(nonce: string, waitMs = 20_000): Promise<RunnerReply> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const found = takeReply(this.#buf, nonce)
      if (found) {
        this.#buf = this.#buf.subarray(found.used)
        return found.reply
      }
      if (Date.now() > deadline) throw new Error(`no reply for ${nonce}`)
      await sleep(20)
    }
  }
  /** End of input: the shell ends once idle, as when the worker closes the channel. */
  end(): void {
    this.sh.stdin.end()
  }
  /** The shell itself: the process started, or its reaping parent's child. */
  get shellPid(): number | undefined {
    if (!this.#reaper) return this.sh.pid
    try {
      const children = readFileSync(`/proc/${this.sh.pid}/task/${this.sh.pid}/children`, 'utf8').trim()
      return children ? Number(children.split(/\s+/)[0]) : undefined
    } catch {
      return undefined
    }
  }
  /** SIGKILL to the shell's group and its starter's (they differ when the shell leads its own under a reaper). */
  kill(): void {
    const groups = new Set([this.sh.pid!, ...(this.#leader && this.shellPid ? [this.shellPid] : [])])
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}
