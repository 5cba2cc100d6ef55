import { chmodSync, existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateEd25519, startSimFleet, type SimFleet, type SimHost } from '../../demo/sim-ssh-host.js'
import { SshAuthError } from '../../shared/errors/ssh-auth-error.js'
import { HostKeyMismatchError } from '../../shared/errors/host-key-mismatch-error.js'
import type { HostConfig } from '../../shared/types.js'
import { connectHost } from '../../workers/ssh/connect-host.js'
import { runStage } from '../../workers/ssh/run-stage.js'
import { openRunnerShell } from '../../workers/ssh/runner-shell.js'

const { Client, utils } = ssh2

let fleet: SimFleet
let a: SimHost
let b: SimHost

beforeAll(async () => {
  fleet = await startSimFleet({ hosts: [{ name: 'sim-a' }, { name: 'sim-b' }] })
  ;[a, b] = fleet.hosts as [SimHost, SimHost]
})
afterAll(async () => {
  await fleet?.stop()
})

interface Exec {
  code: number | null
  signal: string | undefined
  stdout: string
  stderr: string
}

/** A plain ssh2 client, no project code: what any SSH client sees. */
function connect(
  host: SimHost,
  privateKey: string | Buffer = readFileSync(fleet.privateKeyPath)
): Promise<InstanceType<typeof Client>> {
  return new Promise((resolve, reject) => {
    const c = new Client()
    c.on('ready', () => resolve(c)).on('error', reject)
    c.connect({
      host: host.address,
      port: host.port,
      username: os.userInfo().username,
      privateKey,
      readyTimeout: 10_000
    })
  })
}

function exec(c: InstanceType<typeof Client>, command: string, stdin?: string): Promise<Exec> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, ch) => {
      if (err) return reject(err)
      const r: Exec = { code: null, signal: undefined, stdout: '', stderr: '' }
      ch.on('data', (d: Buffer) => (r.stdout += d.toString()))
      ch.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()))
      ch.on('exit', (code: number | null, signal?: string) => {
        r.code = code
        r.signal = signal ?? undefined
      })
      ch.on('close', () => resolve(r))
      if (stdin !== undefined) ch.end(stdin)
    })
  })
}

function hostConfig(h: SimHost, over: Partial<HostConfig> = {}): HostConfig {
  return {
    id: `id-${h.name}`,
    name: h.name,
    address: h.address,
    port: h.port,
    user: os.userInfo().username,
    privateKeyPath: fleet.privateKeyPath,
    hostKey: h.hostKey,
    hooksDir: h.hooksDir,
    stateDir: h.stateDir,
    bootIdPath: h.bootIdPath,
    executor: 'detached',
    hypervisor: 'KVM',
    enabled: true,
    maintenance: { driver: 'none' },
    zoneId: 'z',
    podId: 'p',
    clusterId: 'c',
    ...over
  }
}

describe('simulated host: what startSimFleet hands out', () => {
  it('each host has its own port, host key and sandbox (hooks/, state/, boot_id); the client key is 0600 OpenSSH', () => {
    expect(a.port).not.toBe(b.port)
    expect(a.hostKey).toMatch(/^ssh-ed25519 AAAA\S+$/)
    expect(a.hostKey).not.toBe(b.hostKey)
    for (const h of [a, b]) {
      for (const p of [h.hooksDir, h.stateDir, h.bootIdPath]) expect(path.isAbsolute(p) && existsSync(p)).toBe(true)
      expect(readFileSync(h.bootIdPath, 'utf8')).toMatch(/^[0-9a-f-]{36}\n$/)
    }
    expect(readFileSync(fleet.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/)
    expect((statSync(fleet.privateKeyPath).mode & 0o777).toString(8)).toBe('600')
  })
})

describe('simulated host: SSH as any client sees it', () => {
  it('presents the host key it hands out', async () => {
    let seen: Buffer | undefined
    const c = new Client()
    await new Promise<void>((resolve, reject) => {
      c.on('ready', () => resolve()).on('error', reject)
      c.connect({
        host: a.address,
        port: a.port,
        username: 'x',
        privateKey: readFileSync(fleet.privateKeyPath),
        hostVerifier: (key: Buffer) => {
          seen = key
          return true
        }
      })
    })
    c.end()
    expect(seen?.toString('base64')).toBe(a.hostKey.split(' ')[1])
  })

  it('accepts the fleet client key and refuses any other', async () => {
    const ok = await connect(a)
    ok.end()
    const other = generateEd25519()
    await expect(connect(a, other.private)).rejects.toMatchObject({ level: 'client-authentication' })
    const rsa = utils.generateKeyPairSync('rsa', { bits: 2048 })
    await expect(connect(a, rsa.private)).rejects.toMatchObject({ level: 'client-authentication' })
    // and no key at all (password, none) gets nowhere either
    await expect(
      new Promise((resolve, reject) => {
        const c = new Client()
        c.on('ready', () => resolve(c)).on('error', reject)
        c.connect({ host: a.address, port: a.port, username: 'x', password: 'secret' })
      })
    ).rejects.toMatchObject({ level: 'client-authentication' })
  })

  it('exec: stdout, stderr and the exit status come back apart; cwd is the sandbox; stdin is the channel', async () => {
    const c = await connect(a)
    try {
      expect(await exec(c, 'echo out; echo err >&2; exit 3')).toEqual({
        code: 3,
        signal: undefined,
        stdout: 'out\n',
        stderr: 'err\n'
      })
      expect((await exec(c, 'pwd')).stdout.trim()).toBe(realpathSync(path.dirname(a.hooksDir)))
      expect(await exec(c, 'tr a-z A-Z', 'hello')).toMatchObject({ code: 0, stdout: 'HELLO' })
      expect(await exec(c, 'kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' })
      expect(await exec(c, 'head -c 1000000 /dev/zero | tr "\\0" x')).toMatchObject({
        code: 0,
        stdout: 'x'.repeat(1_000_000)
      })
    } finally {
      c.end()
    }
  })

  it('runs many channels of one connection at once', async () => {
    const c = await connect(a)
    try {
      const t0 = Date.now()
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => exec(c, `sleep 0.5; echo ${i}`)))
      expect(all.map((r) => r.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
      expect(Date.now() - t0).toBeLessThan(3_000)
    } finally {
      c.end()
    }
  })

  it('a client that vanishes mid-command kills neither the command nor the server', async () => {
    const marker = path.join(path.dirname(a.hooksDir), 'survived')
    const c = await connect(a)
    await new Promise<void>((resolve, reject) =>
      c.exec(`sleep 0.4; echo yes > ${marker}`, (err) => (err ? reject(err) : resolve()))
    )
    c.destroy() // no goodbye: the socket just goes
    await sleep(1_000)
    expect(readFileSync(marker, 'utf8')).toBe('yes\n')
    const again = await connect(a)
    expect((await exec(again, 'echo still here')).stdout).toBe('still here\n')
    again.end()
  })
})

describe("simulated host: the project's SSH executor against it", () => {
  it('connectHost + runStage run a real stage script through the detached runner', async () => {
    writeFileSync(
      path.join(b.hooksDir, 'PreFlight.sh'),
      '#!/bin/sh\necho "checked $ROLLMAINT_HOST_NAME in $ROLLMAINT_STAGE with [$1]"\nexit 70\n'
    )
    chmodSync(path.join(b.hooksDir, 'PreFlight.sh'), 0o755)
    const conn = await connectHost(hostConfig(b))
    const shell = await openRunnerShell(conn, hostConfig(b))
    try {
      const r = await runStage(shell, {
        runId: 'sim-run-1',
        host: hostConfig(b),
        stage: 'PreFlight',
        payload: 'a b',
        timeoutSec: 30
      })
      expect(r).toMatchObject({
        kind: 'exited',
        exitCode: 70,
        output: 'checked sim-b in PreFlight with [a b]\n',
        bootIdChanged: false
      })
      expect(
        await runStage(shell, { runId: 'sim-run-1', host: hostConfig(b), stage: 'Maintenance', timeoutSec: 30 })
      ).toEqual({ kind: 'missing' })
      // the direct executor too
      const direct = await runStage(shell, {
        runId: 'sim-run-2',
        host: hostConfig(b, { executor: 'direct' }),
        stage: 'PreFlight',
        timeoutSec: 30
      })
      expect(direct).toMatchObject({ kind: 'exited', exitCode: 70, output: 'checked sim-b in PreFlight with []\n' })
    } finally {
      conn.close()
    }
  })

  it('the executor refuses a host whose key is not the pinned one, and a key the host does not accept', async () => {
    await expect(connectHost(hostConfig(b, { hostKey: a.hostKey }))).rejects.toBeInstanceOf(HostKeyMismatchError)
    const otherKey = path.join(path.dirname(fleet.privateKeyPath), 'other_ed25519')
    writeFileSync(otherKey, generateEd25519().private, { mode: 0o600 })
    await expect(connectHost(hostConfig(b, { privateKeyPath: otherKey }))).rejects.toBeInstanceOf(SshAuthError)
  })
})
