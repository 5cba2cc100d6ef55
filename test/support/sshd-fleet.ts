import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { HostConfig, StageName } from '../../shared/types.js'
import type { HostLogEntry } from './host-log-checks.js'
import { freePort } from '../../shared/free-port.js'
import { childrenOf, descendantsOf, freeze, groupMembers, killPids, runningStagePids } from './host-processes.js'

const SSHD = '/usr/sbin/sshd'

export interface SshdHost {
  name: string
  address: string
  port: number
  hostKey: string
  /** Every host key sshd offers, by type (`ed25519` always; `ecdsa`, `rsa` when asked for). */
  hostKeys: Partial<Record<HostKeyType, string>>
  hooksDir: string
  stateDir: string
  bootIdPath: string
  dir: string
  readonly pid: number | undefined
  stop(): Promise<void>
  start(): Promise<void>
  /**
   * Simulated reboot: sshd and every process of the host (its SSH sessions, stage supervisors and
   * scripts) die at the same instant, the boot id changes, and after `downMs` sshd answers again.
   * Nothing can observe the dead processes under the old boot id (issue 15).
   */
  reboot(downMs?: number): Promise<void>
  /**
   * A reboot as a real shutdown performs it: the stage processes are killed first while sshd keeps
   * answering for `sshdLingerMs` (still under the old boot id), then the host goes down as in reboot().
   */
  shutdownAndReboot(opts: { sshdLingerMs: number; downMs: number }): Promise<void>
  /** The host drops off the network: sshd and its open sessions die; processes of the host go on. */
  disconnect(): Promise<void>
  /** sshd (the listener only) is killed at once; sessions it already started are not touched. */
  kill(): Promise<void>
}

export interface SshdFleet {
  hosts: SshdHost[]
  privateKeyPath: string
  hostLogPath: string
  host(name: string): SshdHost
  hostConfig(name: string, overrides?: Partial<HostConfig>): HostConfig
  writeHook(
    hostName: string,
    stage: StageName,
    script: string,
    opts?: { ext?: '' | '.sh' | '.py'; executable?: boolean }
  ): string
  loggingHook(opts?: { sleepSec?: number; exitCode?: number; stdout?: string }): string
  readHostLog(): HostLogEntry[]
  stop(): Promise<void>
}

function need(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args)
  if (r.error) {
    throw new Error(
      `tests need ${cmd} (OpenSSH server): install it with \`apt-get install -y openssh-server\` (${r.error.message})`
    )
  }
}

/** Resolves once something on the port answers with an SSH banner. */
async function waitForBanner(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1')
      const done = (v: boolean): void => {
        sock.destroy()
        resolve(v)
      }
      sock.setTimeout(500, () => done(false))
      sock.once('data', (d) => done(d.toString().startsWith('SSH-')))
      sock.once('error', () => done(false))
      // Closed before any banner (sshd dropped it while starting up): no error event, no timeout.
      sock.once('close', () => done(false))
    })
    if (ok) return true
    await new Promise((r) => setTimeout(r, 30))
  }
  return false
}

async function stillRunning(child: ChildProcess): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 100))
  return child.exitCode === null && child.signalCode === null
}

/**
 * Real OpenSSH sshd processes on 127.0.0.1, one per simulated host, each with its own host key,
 * hooks directory, runner state directory and boot id file. Missing sshd fails loudly.
 */
export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa'

export interface SshdFleetOptions {
  hosts: Array<{ name: string; extraHostKeys?: HostKeyType[] }>
  /**
   * Benchmarks only: each sshd runs as pid 1 of a PID namespace of its own (`unshare --pid`), so
   * the namespace's pid counter counts exactly the processes that host created (bench/host-counters.ts).
   * Not for the reboot simulation, which signals the pids the runner records (namespace-local then).
   */
  isolatePids?: boolean
}

export async function startSshdFleet(opts: SshdFleetOptions): Promise<SshdFleet> {
  if (!existsSync(SSHD)) {
    throw new Error(
      `tests need ${SSHD} (OpenSSH server) for real SSH hosts: install it with \`apt-get install -y openssh-server\``
    )
  }
  need('ssh-keygen', ['-?'])
  mkdirSync('/run/sshd', { recursive: true })
  const root = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-fleet-'))
  const privateKeyPath = path.join(root, 'client_ed25519')
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', privateKeyPath])
  const authorizedKeys = path.join(root, 'authorized_keys')
  writeFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`))
  const hostLogPath = path.join(root, 'host.log')
  writeFileSync(hostLogPath, '')

  const hosts: SshdHost[] = []
  // The OS may hand out the same free port twice while none of them is bound yet (100 hosts: likely).
  const ports = new Set<number>()
  for (const { name, extraHostKeys = [] } of opts.hosts) {
    const dir = path.join(root, name)
    const hooksDir = path.join(dir, 'hooks')
    const stateDir = path.join(dir, 'state')
    const bootIdPath = path.join(dir, 'boot_id')
    mkdirSync(hooksDir, { recursive: true })
    mkdirSync(stateDir, { recursive: true })
    writeFileSync(bootIdPath, `${randomUUID()}\n`)
    const hostKeys: Partial<Record<HostKeyType, string>> = {}
    const keyPaths: string[] = []
    for (const type of ['ed25519', ...extraHostKeys] as HostKeyType[]) {
      const keyPath = path.join(dir, `ssh_host_${type}_key`)
      spawnSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', keyPath])
      hostKeys[type] = readFileSync(`${keyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ')
      keyPaths.push(keyPath)
    }
    const hostKey = hostKeys.ed25519!
    let port = await freePort()
    while (ports.has(port)) port = await freePort()
    ports.add(port)
    const configPath = path.join(dir, 'sshd_config')
    writeFileSync(
      configPath,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        ...keyPaths.map((k) => `HostKey ${k}`),
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'LogLevel ERROR',
        'MaxSessions 50',
        'MaxStartups 100:30:200',
        'Subsystem sftp internal-sftp',
        // Each simulated host gets a HOME of its own: the test machine's root ~/.bashrc (which bash
        // sources for every SSH command) must not slow down or change the hosts' behaviour.
        `SetEnv HOME=${dir}`
      ].join('\n') + '\n'
    )
    let child: ChildProcess | undefined
    const host: SshdHost = {
      name,
      address: '127.0.0.1',
      port,
      hostKey,
      hostKeys,
      hooksDir,
      stateDir,
      bootIdPath,
      dir,
      get pid() {
        return child?.pid
      },
      async start() {
        for (let attempt = 0; attempt < 3; attempt++) {
          const argv = [SSHD, '-D', '-e', '-f', configPath]
          child = opts.isolatePids
            ? spawn('unshare', ['--pid', '--fork', '--kill-child', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
            : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
          let stderr = ''
          child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
          // A banner from some other process's sshd on the same port does not count: ours must still run.
          if ((await waitForBanner(port, 5000)) && (await stillRunning(child))) return
          child.kill('SIGKILL')
          if (attempt === 2) throw new Error(`sshd for ${name} did not start on port ${port}: ${stderr}`)
        }
      },
      async disconnect() {
        // A network drop: no new connection gets in, every open session dies; what the sessions
        // started on the host (supervisors, scripts, even the attach shells) goes on.
        const listener = child
        if (listener?.pid) {
          freeze([listener.pid])
          const sessions = childrenOf(listener.pid)
          killPids(sessions)
        }
        await host.kill()
      },
      async reboot(downMs = 1000) {
        // A power cut, observable only as a real host would show it: first sshd stops answering
        // (the listener is frozen, so nothing new is accepted, and every process it started is
        // frozen), then every process of the host is frozen, and only then does anything die. No
        // session can watch a supervisor die under the old boot id, and no supervisor gets to
        // record an exit status. The new boot id is written before sshd answers again.
        const listener = child
        const stageProcs = (): number[] =>
          (['supervisor', 'pgid'] as const).flatMap((f) => runningStagePids(stateDir, dir, f))
        const frozen = new Set<number>()
        const freezeAll = (pids: number[]): void => {
          const fresh = pids.filter((p) => !frozen.has(p))
          freeze(fresh)
          for (const p of fresh) frozen.add(p)
        }
        if (listener?.pid) freezeAll([listener.pid])
        // Until a pass finds nothing new: a process forked just before its parent froze shows up
        // on the next pass. Stage processes are frozen as whole process groups.
        for (let pass = 0; pass < 20; pass++) {
          const before = frozen.size
          if (listener?.pid) freezeAll(descendantsOf(listener.pid))
          const groups = stageProcs()
          freezeAll([...groups, ...groups.flatMap((g) => groupMembers(g)), ...groups.flatMap((g) => descendantsOf(g))])
          if (frozen.size === before && pass > 0) break
        }
        killPids([...frozen])
        await host.kill()
        writeFileSync(bootIdPath, `${randomUUID()}\n`)
        await new Promise((r) => setTimeout(r, downMs))
        await host.start()
      },
      async shutdownAndReboot({ sshdLingerMs, downMs }) {
        const supervisors = runningStagePids(stateDir, dir, 'supervisor')
        const rest = runningStagePids(stateDir, dir, 'pgid')
        killPids([...supervisors, ...supervisors.flatMap((g) => groupMembers(g))])
        killPids([...rest, ...rest.flatMap((g) => groupMembers(g))])
        await new Promise((r) => setTimeout(r, sshdLingerMs))
        await host.reboot(downMs)
      },
      async kill() {
        const c = child
        child = undefined
        if (!c || c.exitCode !== null || c.signalCode !== null) return
        const exited = new Promise((r) => c.once('exit', r))
        c.kill('SIGKILL')
        await exited
      },
      async stop() {
        const c = child
        child = undefined
        if (!c || c.exitCode !== null) return
        const exited = new Promise((r) => c.once('exit', r))
        // unshare --fork ignores SIGTERM while it waits for its child; KILL makes it go, and
        // --kill-child takes sshd (pid 1 of the namespace, so every process in it) along.
        c.kill(opts.isolatePids ? 'SIGKILL' : 'SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
      }
    }
    hosts.push(host)
  }
  // At most 16 sshd start at once: a hundred starting together on a loaded machine each missed the
  // 5 s banner wait.
  for (let i = 0; i < hosts.length; i += 16) await Promise.all(hosts.slice(i, i + 16).map((h) => h.start()))

  const byName = (n: string): SshdHost => {
    const h = hosts.find((x) => x.name === n)
    if (!h) throw new Error(`no simulated host ${n}`)
    return h
  }

  return {
    hosts,
    privateKeyPath,
    hostLogPath,
    host: byName,
    hostConfig(name, overrides = {}) {
      const h = byName(name)
      return {
        id: `host-${name}`,
        name,
        address: h.address,
        port: h.port,
        user: os.userInfo().username,
        privateKeyPath,
        hostKey: h.hostKey,
        hooksDir: h.hooksDir,
        stateDir: h.stateDir,
        bootIdPath: h.bootIdPath,
        hypervisor: 'KVM',
        executor: 'detached',
        enabled: true,
        maintenance: { driver: 'none' },
        zoneId: 'zone',
        podId: 'pod',
        clusterId: 'cluster',
        ...overrides
      }
    },
    writeHook(hostName, stage, script, o = {}) {
      const file = path.join(byName(hostName).hooksDir, `${stage}${o.ext ?? ''}`)
      writeFileSync(file, script)
      chmodSync(file, o.executable === false ? 0o644 : 0o755)
      return file
    },
    loggingHook(o = {}) {
      // Logs from the host's side with millisecond timestamps; a TERM (timeout kill) is logged too.
      // The clock is bash's EPOCHREALTIME (microseconds, digits only): no `date` process per line,
      // whose creation the benchmarks would otherwise count as time between stages.
      return [
        '#!/bin/bash',
        `log() { local t=\${EPOCHREALTIME//[!0-9]/}; printf '%s %s %s %s\\n' "\${t:0:13}" "$ROLLMAINT_HOST_NAME" "$ROLLMAINT_STAGE" "$*" >> ${JSON.stringify(hostLogPath)}; }`,
        "trap 'log killed; exit 143' TERM",
        'log start',
        o.stdout !== undefined ? `printf '%s\\n' ${JSON.stringify(o.stdout)}` : '',
        o.sleepSec ? `sleep ${o.sleepSec} & wait $!` : '',
        `log end ${o.exitCode ?? 0}`,
        `exit ${o.exitCode ?? 0}`,
        ''
      ].join('\n')
    },
    readHostLog() {
      return readFileSync(hostLogPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [t, host, stage, event, rc] = line.split(' ')
          return {
            t: Number(t),
            host: host!,
            stage: stage!,
            event: event as HostLogEntry['event'],
            rc: rc === undefined ? undefined : Number(rc)
          }
        })
    },
    async stop() {
      await Promise.all(hosts.map((h) => h.stop()))
      rmSync(root, { recursive: true, force: true })
    }
  }
}

/** Appends a line to the fleet's host log from the test's side (markers for fault injection). */
export function markHostLog(fleet: SshdFleet, text: string): void {
  appendFileSync(fleet.hostLogPath, `${Date.now()} test marker ${text}\n`)
}
