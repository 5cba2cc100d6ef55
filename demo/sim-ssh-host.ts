import { spawn } from 'node:child_process'
import { timingSafeEqual, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'

const { Server, utils } = ssh2

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
  const client = utils.generateKeyPairSync('ed25519')
  const privateKeyPath = path.join(baseDir, 'client_ed25519')
  writeFileSync(privateKeyPath, client.private, { mode: 0o600 })
  const allowed = utils.parseKey(client.public)
  if (allowed instanceof Error) throw allowed
  const allowedBlob = allowed.getPublicSSH()

  const servers: Array<InstanceType<typeof Server>> = []
  const connections = new Set<{ end(): unknown }>()
  const hosts: SimHost[] = []
  for (const { name } of opts.hosts) {
    const dir = path.join(baseDir, name)
    const hooksDir = path.join(dir, 'hooks')
    const stateDir = path.join(dir, 'state')
    const bootIdPath = path.join(dir, 'boot_id')
    mkdirSync(hooksDir, { recursive: true })
    mkdirSync(stateDir, { recursive: true })
    writeFileSync(bootIdPath, `${randomUUID()}\n`)
    const hostKey = utils.generateKeyPairSync('ed25519')
    const server = new Server({ hostKeys: [hostKey.private] }, (conn) => {
      conn.on('error', () => undefined) // a worker that disconnects abruptly is normal here
      connections.add(conn)
      conn.on('close', () => connections.delete(conn))
      conn.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !timingSafeEqual(ctx.key.data, allowedBlob)) {
          return ctx.reject(['publickey'])
        }
        if (!ctx.signature) return ctx.accept() // the client only asks whether this key would do
        return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey'])
      })
      conn.on('ready', () => {
        conn.on('session', (acceptSession) => {
          const session = acceptSession()
          session.on('exec', (accept, _reject, info) => {
            const channel = accept()
            const child = spawn('/bin/sh', ['-c', info.command], {
              cwd: dir,
              env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, USER: os.userInfo().username, LANG: 'C.UTF-8' },
              stdio: ['ignore', 'pipe', 'pipe'],
            })
            child.stdout.on('data', (d: Buffer) => channel.write(d))
            child.stderr.on('data', (d: Buffer) => channel.stderr.write(d))
            child.on('close', (code, signal) => {
              if (code !== null) channel.exit(code)
              else channel.exit(signal ?? 'KILL', false, '')
              channel.end()
            })
            // Closing the channel does not kill what it started: the stage runner detaches on purpose.
            channel.on('error', () => undefined)
          })
        })
      })
    })
    const listenPort = opts.basePort ? opts.basePort + hosts.length : 0
    await new Promise<void>((resolve) => server.listen(listenPort, opts.bindAddress ?? '127.0.0.1', () => resolve()))
    servers.push(server)
    hosts.push({
      name,
      address: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      hostKey: hostKey.public.split(' ').slice(0, 2).join(' '),
      hooksDir,
      stateDir,
      bootIdPath,
    })
  }
  return {
    hosts,
    privateKeyPath,
    baseDir,
    async stop() {
      for (const c of connections) c.end()
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
      if (!opts.baseDir) rmSync(baseDir, { recursive: true, force: true })
    },
  }
}
