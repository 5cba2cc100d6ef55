import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'

const { Server, utils } = ssh2

type ServerChannel = ssh2.ServerChannel

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * One `exec` request, as sshd runs it: `/bin/sh -c <command>` in the host's directory, stdin from
 * the channel, stdout and stderr to it (with back-pressure), then the exit status or signal and
 * the end of the channel. A channel the client closes early does not kill the process: the stage
 * runner detaches on purpose, and only it decides when its script dies.
 */
function runExec(channel: ServerChannel, command: string, dir: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, USER: os.userInfo().username, LANG: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let open = true
  const gone = (): void => {
    if (!open) return
    open = false
    // Nobody reads any more: keep draining, so the process never blocks on a full pipe.
    child.stdout!.unpipe()
    child.stderr!.unpipe()
    child.stdout!.resume()
    child.stderr!.resume()
    child.stdin!.destroy()
  }
  channel.on('error', gone)
  channel.on('close', gone)
  child.stdin!.on('error', () => undefined) // EPIPE: the command does not read its input
  channel.pipe(child.stdin!)
  child.stdout!.pipe(channel, { end: false })
  child.stderr!.pipe(channel.stderr, { end: false })
  child.on('error', (err) => {
    if (!open) return
    channel.stderr.write(`sim-ssh-host: ${err.message}\n`)
    channel.exit(127)
    channel.end()
  })
  child.on('close', (code, signal) => {
    if (!open) return
    try {
      if (code !== null) channel.exit(code)
      else channel.exit(signal ?? 'SIGKILL', false, '')
    } catch {
      channel.exit(255) // a signal SSH has no name for
    }
    channel.end()
  })
  return child
}

export interface SimHost {
  name: string
  address: string
  port: number
  /** Public host key, as pinned in an inventory (`hostKey`). */
  hostKey: string
  hooksDir: string
  stateDir: string
  bootIdPath: string
}

export interface SimFleet {
  hosts: SimHost[]
  privateKeyPath: string
  baseDir: string
  stop(): Promise<void>
}

/**
 * ssh2 1.17's ed25519 key generation drops a leading zero byte of the public key about once in 256
 * keys, and then cannot parse the key it made (mscdex/ssh2#1390, #1513): generate until both halves parse.
 */
export function generateEd25519(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519')
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair
  }
}

/**
 * Simulated hypervisors that speak real SSH (ssh2's server side): each has its own host key and
 * port, accepts one client key, and runs `exec` requests with the local /bin/sh inside a sandbox
 * directory of its own, so the unchanged worker code and real stage scripts run against them.
 * For the demo and benchmarks; no root, no sshd needed.
 */
export async function startSimFleet(opts: {
  hosts: Array<{ name: string }>
  baseDir?: string
  /** Where to listen (127.0.0.1 by default; 0.0.0.0 inside a container). */
  bindAddress?: string
  /** First port; hosts get consecutive ports. Default: any free port. */
  basePort?: number
}): Promise<SimFleet> {
  const baseDir = opts.baseDir ?? mkdtempSync(path.join(os.tmpdir(), 'rollmaint-sim-'))
  mkdirSync(baseDir, { recursive: true })
  const client = generateEd25519()
  const privateKeyPath = path.join(baseDir, 'client_ed25519')
  writeFileSync(privateKeyPath, client.private, { mode: 0o600 })
  const allowed = utils.parseKey(client.public)
  if (allowed instanceof Error) throw allowed
  const allowedBlob = allowed.getPublicSSH()

  const listeners: net.Server[] = []
  /** Raw TCP connections, so that stop() can end them even when a client never answers. */
  const sockets = new Set<net.Socket>()
  const connections = new Set<{ end(): unknown }>()
  const hosts: SimHost[] = []
  try {
    for (const { name } of opts.hosts) {
      const dir = path.join(baseDir, name)
      const hooksDir = path.join(dir, 'hooks')
      const stateDir = path.join(dir, 'state')
      const bootIdPath = path.join(dir, 'boot_id')
      mkdirSync(hooksDir, { recursive: true })
      mkdirSync(stateDir, { recursive: true })
      writeFileSync(bootIdPath, `${randomUUID()}\n`)
      const hostKey = generateEd25519()
      const ssh = new Server({ hostKeys: [hostKey.private] }, (conn) => {
        conn.on('error', () => undefined) // a worker that disconnects abruptly is normal here
        connections.add(conn)
        conn.on('close', () => connections.delete(conn))
        conn.on('authentication', (ctx) => {
          if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !sameBytes(ctx.key.data, allowedBlob)) {
            return ctx.reject(['publickey'])
          }
          if (!ctx.signature) return ctx.accept() // the client only asks whether this key would do
          return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true
            ? ctx.accept()
            : ctx.reject(['publickey'])
        })
        conn.on('ready', () => {
          conn.on('session', (acceptSession) => {
            const session = acceptSession()
            let child: ChildProcess | undefined
            // A client may ask to deliver a signal to the command (OpenSSH >= 7.9 honours it): so do we.
            session.on('signal', (accept, _reject, info) => {
              accept?.()
              try {
                child?.kill(`SIG${info.name}` as NodeJS.Signals)
              } catch {
                // a signal name this system does not know: ignored, as sshd does
              }
            })
            session.on('exec', (accept, _reject, info) => {
              const channel = accept()
              child = runExec(channel, info.command, dir)
            })
          })
        })
      })
      // Our own listener hands each socket to ssh2 (injectSocket), so stop() can see and end them all.
      const listener = net.createServer((sock) => {
        sockets.add(sock)
        sock.on('close', () => sockets.delete(sock))
        sock.on('error', () => undefined)
        ssh.injectSocket(sock)
      })
      const listenPort = opts.basePort ? opts.basePort + hosts.length : 0
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject)
        listener.listen(listenPort, opts.bindAddress ?? '127.0.0.1', () => {
          listener.off('error', reject)
          resolve()
        })
      })
      listeners.push(listener)
      hosts.push({
        name,
        address: '127.0.0.1',
        port: (listener.address() as AddressInfo).port,
        hostKey: hostKey.public.split(' ').slice(0, 2).join(' '),
        hooksDir,
        stateDir,
        bootIdPath
      })
    }
  } catch (err) {
    // e.g. a basePort already taken: do not leave the hosts started so far listening
    await closeAll()
    throw err
  }
  return {
    hosts,
    privateKeyPath,
    baseDir,
    async stop() {
      await closeAll()
      if (!opts.baseDir) rmSync(baseDir, { recursive: true, force: true })
    }
  }

  /** Stops accepting, says goodbye on every SSH connection, and cuts what is still open after a moment. */
  async function closeAll(): Promise<void> {
    const closed = Promise.all(listeners.map((l) => new Promise<void>((r) => l.close(() => r()))))
    for (const c of connections) c.end()
    const deadline = Date.now() + 500
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const sock of sockets) sock.destroy()
    await closed
  }
}
