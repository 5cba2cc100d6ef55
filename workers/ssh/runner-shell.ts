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
  /**
   * Sends one request line that gets `count` replies in order (`rm_chain`), each with its own
   * nonce, which `argsOf` places among the arguments. The next request waits for the last reply.
   */
  requestSeveral(verb: 'chain', count: number, argsOf: (nonces: readonly string[]) => string[]): Promise<RunnerReply>[]
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
  /** Replies still expected, in the order the shell writes them. */
  let waiting: Array<{ nonce: string; resolve: (r: RunnerReply) => void; reject: (e: Error) => void }> = []
  let queue: Promise<unknown> = Promise.resolve()

  const fail = (why: string): void => {
    if (closed) return
    closed = true
    const ws = waiting
    waiting = []
    const detail = stderr.trim().slice(-300)
    const err = new SshConnectionLostError(
      host.id,
      `the stage runner on host ${host.name} went away ${why}${detail ? `: ${detail}` : ''}`
    )
    for (const w of ws) w.reject(err)
  }
  const pump = (): void => {
    while (waiting.length > 0) {
      const buf = stdout.length === 1 ? stdout[0]! : Buffer.concat(stdout)
      const found = takeReply(buf, waiting[0]!.nonce)
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
      waiting.shift()!.resolve(found.reply)
    }
  }
  channel.on('data', (chunk: Buffer) => {
    stdout.push(chunk)
    size += chunk.length
    if (waiting.length > 0 && chunk.includes(0x0a)) pump()
    else if (size > 4 * KEEP) pump()
  })
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096)
  })
  channel.on('close', () => fail('(channel closed)'))
  conn.onClose(() => fail('(connection lost)'))

  channel.write(`${RUNNER_PROGRAM}\n${runnerInit(host)}\n`)

  /** One request line, written once the previous request's last reply is in; its replies in order. */
  function send(verb: string, count: number, argsOf: (nonces: readonly string[]) => string[]): Promise<RunnerReply>[] {
    const nonces = Array.from({ length: count }, () => randomBytes(12).toString('hex'))
    const args = argsOf(nonces)
    for (const a of args) if (a.includes('\0')) throw new Error('a stage argument (payload) cannot contain a NUL byte')
    const slots = nonces.map((nonce) => {
      let settle!: { resolve: (r: RunnerReply) => void; reject: (e: Error) => void }
      const reply = new Promise<RunnerReply>((resolve, reject) => (settle = { resolve, reject }))
      return { nonce, reply, ...settle }
    })
    const write = (): Promise<RunnerReply> => {
      if (closed || conn.closed) {
        const err = new SshConnectionLostError(host.id, `the stage runner on host ${host.name} is closed`)
        for (const s of slots) s.reject(err)
      } else {
        waiting.push(...slots.map(({ nonce, resolve, reject }) => ({ nonce, resolve, reject })))
        channel.write(`rm_${verb} ${args.map(shellQuote).join(' ')}\n`)
        // A reply may already sit in the buffer if the shell answered before we listened (never, but cheap).
        if (size > 0 && stdout.some((b) => b.includes(endMarker(nonces[0]!)))) pump()
      }
      return slots.at(-1)!.reply
    }
    const last = queue.then(write, write)
    queue = last.catch(() => undefined)
    // Handled here as well: a caller may wait for the first reply only.
    for (const s of slots) s.reply.catch(() => undefined)
    return slots.map((s) => s.reply)
  }

  return {
    get closed() {
      return closed || conn.closed
    },
    request(verb, args) {
      return send(verb, 1, (nonces) => [...nonces, ...args])[0]!
    },
    requestSeveral(verb, count, argsOf) {
      return send(verb, count, argsOf)
    },
    close() {
      if (closed) return
      // EOF ends the shell once it is idle; a detached stage it runs is not affected.
      channel.end()
      fail('(closed by the worker)')
    }
  }
}
