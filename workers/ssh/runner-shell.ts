import { randomBytes } from 'node:crypto'
import type { ClientChannel } from 'ssh2'
import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import type { HostConfig } from '../../shared/types.js'
import type { HostConnection } from './connect-host.js'
import { RUNNER_PROGRAM } from './runner-program.js'
import { endMarker, OUTPUT_LIMIT, takeReply, type RunnerReply } from './runner-reply.js'
import { hostFileKey } from './stage-files.js'

/** Single-quotes one argument for sh: the only quoting rule that needs no escaping inside. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** The runner's settings for one host, sent once after the program: the shell's variables and directory. */
export function runnerInit(host: Pick<HostConfig, 'id' | 'name' | 'stateDir' | 'hooksDir' | 'bootIdPath'>): string {
  return [
    `rm_state=${shellQuote(host.stateDir)} rm_host=${shellQuote(host.id)} rm_hk=${shellQuote(hostFileKey(host.id))}`,
    `rm_hooks=${shellQuote(host.hooksDir)} rm_boot_path=${shellQuote(host.bootIdPath)} rm_name=${shellQuote(host.name)}`,
    // Every stage's files go straight into runs/ (workers/ssh/stage-files.ts): made here once per
    // host, the first time, so no run or stage costs the host a mkdir. Then into the state
    // directory, not the login one: the shell should hold nothing busy there (an unmount, an NFS home).
    '[ -d "$rm_state/runs" ] || mkdir -p "$rm_state/runs" 2>/dev/null; cd "$rm_state" 2>/dev/null || cd /'
  ].join('\n')
}

export interface RunnerShell {
  /** Sends one request line (`rm_<verb> <nonce> args...`) and waits for its reply. One at a time. */
  request(verb: 'has' | 'stage' | 'clean', args: readonly string[]): Promise<RunnerReply>
  readonly closed: boolean
  close(): void
}

/** Bytes kept while a reply is being read: the output tail plus room for the end marker. */
const KEEP = OUTPUT_LIMIT + 256

/**
 * Starts the persistent runner on an open connection: one exec channel and one `sh` for as long as
 * the connection lives (a host cycle), every stage a line written to its stdin.
 */
export async function openRunnerShell(conn: HostConnection, host: HostConfig): Promise<RunnerShell> {
  const channel: ClientChannel = await conn.channel('exec sh -s')
  let closed = false
  let stdout: Buffer[] = []
  let size = 0
  let stderr = ''
  let waiting: { nonce: string; resolve: (r: RunnerReply) => void; reject: (e: Error) => void } | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const fail = (why: string): void => {
    if (closed) return
    closed = true
    const w = waiting
    waiting = undefined
    const detail = stderr.trim().slice(-300)
    w?.reject(
      new SshConnectionLostError(
        host.id,
        `the stage runner on host ${host.name} went away ${why}${detail ? `: ${detail}` : ''}`
      )
    )
  }
  const pump = (): void => {
    if (!waiting) return
    const buf = stdout.length === 1 ? stdout[0]! : Buffer.concat(stdout)
    const found = takeReply(buf, waiting.nonce)
    if (!found) {
      // Only the tail matters (the output cap), and it must keep room for a marker cut in two.
      const kept = buf.length > KEEP ? buf.subarray(buf.length - KEEP) : buf
      stdout = [kept]
      size = kept.length
      return
    }
    const rest = buf.subarray(found.used)
    stdout = rest.length ? [rest] : []
    size = rest.length
    const w = waiting
    waiting = undefined
    w.resolve(found.reply)
  }
  channel.on('data', (chunk: Buffer) => {
    stdout.push(chunk)
    size += chunk.length
    if (waiting && chunk.includes(0x0a)) pump()
    else if (size > 4 * KEEP) pump()
  })
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096)
  })
  channel.on('close', () => fail('(channel closed)'))
  conn.onClose(() => fail('(connection lost)'))

  channel.write(`${RUNNER_PROGRAM}\n${runnerInit(host)}\n`)

  return {
    get closed() {
      return closed || conn.closed
    },
    request(verb, args) {
      for (const a of args)
        if (a.includes('\0')) throw new Error('a stage argument (payload) cannot contain a NUL byte')
      const run = async (): Promise<RunnerReply> => {
        if (closed || conn.closed)
          throw new SshConnectionLostError(host.id, `the stage runner on host ${host.name} is closed`)
        const nonce = randomBytes(12).toString('hex')
        const reply = new Promise<RunnerReply>((resolve, reject) => (waiting = { nonce, resolve, reject }))
        channel.write(`rm_${verb} ${[nonce, ...args].map(shellQuote).join(' ')}\n`)
        // A reply may already sit in the buffer if the shell answered before we listened (never, but cheap).
        if (size > 0 && stdout.some((b) => b.includes(endMarker(nonce)))) pump()
        return reply
      }
      const next = queue.then(run, run)
      queue = next.catch(() => undefined)
      return next
    },
    close() {
      if (closed) return
      // EOF ends the shell once it is idle; a detached stage it runs is not affected.
      channel.end()
      fail('(closed by the worker)')
    }
  }
}
