import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { parseDomStats, type DomainStat } from '../../workers/maintenance/libvirt/parse-virsh.js'

const run = promisify(execFile)
const SCRIPT = path.join(import.meta.dirname, 'kvm-lab.sh')
const DIR_PREFIX = 'rollmaint-kvmlab-'

export interface KvmLabHost {
  /** h1 … hN, also the host's hostname inside the lab. */
  name: string
  address: string
  port: number
  hostKey: string
  hooksDir: string
  stateDir: string
}

export interface KvmLab {
  dir: string
  /** `kvm` with a usable /dev/kvm, else `qemu` (software emulation): the tests run either way. */
  virtType: string
  privateKeyPath: string
  hosts: KvmLabHost[]
  host(name: string): KvmLabHost
  /** Runs a shell command on a lab host over its sshd (as rollmaint reaches it). */
  ssh(host: string, command: string): Promise<{ stdout: string; stderr: string }>
  /** Defines and starts a tiny diskless VM of `mib` MiB on the host. */
  vm(host: string, name: string, mib: number): Promise<void>
  /** Fakes the host's memory as `virsh nodememstats` reports it. */
  setmem(host: string, totalMiB: number, freeMiB: number): Promise<void>
  /** Undoes setmem. */
  realmem(host: string): Promise<void>
  /** Every VM of every host destroyed and undefined, real memory everywhere: a clean lab for the next test. */
  reset(): Promise<void>
  libvirtdStop(host: string): Promise<void>
  libvirtdStart(host: string): Promise<void>
  /** Active domains of one host, read through its libvirtd without SSH (cheap enough to sample often). */
  domains(host: string): Promise<DomainStat[]>
  /** The inventory fields of a host (address, port, pinned key, hooks and state dirs). */
  inventoryHost(name: string): { address: string; port: number; hostKey: string; hooksDir: string; stateDir: string }
  stop(): Promise<void>
}

const labEnv = (dir: string, net: string, sshBase: number, migBase: number): NodeJS.ProcessEnv => ({
  ...process.env,
  LAB_DIR: dir,
  LAB_NET: net,
  LAB_SSH_BASE: String(sshBase),
  LAB_MIG_BASE: String(migBase)
})

function requireTools(): void {
  const missing = [
    'virsh',
    '/usr/sbin/libvirtd',
    'qemu-system-x86_64',
    '/usr/sbin/sshd',
    'unshare',
    'nsenter',
    'ss',
    'perl'
  ].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0)
  if (missing.length > 0) {
    throw new Error(
      `the KVM lab needs ${missing.join(', ')}: apt-get install -y --no-install-recommends qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients openssh-server iproute2`
    )
  }
  if (process.getuid?.() !== 0) throw new Error('the KVM lab needs root (namespaces, bind mounts, libvirtd)')
}

/**
 * Labs of test processes that died without stopping them: each lab records its owner's pid, and
 * only labs whose owner is gone are stopped, so parallel test runs never touch each other's.
 */
export function sweepOrphanLabs(): void {
  for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = path.join(os.tmpdir(), name)
    let owner = 0
    try {
      owner = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim()) || 0
    } catch {
      // being created right now, or half removed: an owner writes its pid first, so leave it
      continue
    }
    let alive = false
    try {
      if (owner > 0) {
        process.kill(owner, 0)
        alive = true
      }
    } catch {
      alive = false
    }
    if (!alive)
      spawnSync('bash', [SCRIPT, 'stop'], { env: { ...process.env, LAB_DIR: path.join(dir, 'lab') }, stdio: 'ignore' })
    if (!alive) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * N simulated KVM hosts (real libvirtd + sshd each, in their own namespaces) on a loopback network
 * and port ranges of their own, so two labs (two test files) never collide.
 */
export async function startKvmLab(opts: { hosts: number }): Promise<KvmLab> {
  requireTools()
  const root = mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX))
  writeFileSync(path.join(root, 'owner.pid'), String(process.pid))
  const dir = path.join(root, 'lab')
  let env: NodeJS.ProcessEnv | undefined
  let info = ''
  // Random 127/8 network and port bases below Linux's ephemeral range; the script refuses busy ports.
  for (let attempt = 0; attempt < 5 && !env; attempt++) {
    const net = `127.${100 + Math.floor(Math.random() * 150)}.${1 + Math.floor(Math.random() * 250)}`
    const e = labEnv(
      dir,
      net,
      20_000 + 100 * Math.floor(Math.random() * 60),
      26_000 + 100 * Math.floor(Math.random() * 60)
    )
    try {
      info = (await run('bash', [SCRIPT, 'start', String(opts.hosts)], { env: e, timeout: 120_000 })).stdout
      env = e
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err)
      await run('bash', [SCRIPT, 'stop'], { env: e }).catch(() => undefined)
      if (!/busy/.test(text) || attempt === 4) {
        rmSync(root, { recursive: true, force: true })
        throw new Error(`KVM lab did not start: ${text}`)
      }
    }
  }
  const labEnvFinal = env!
  const virtType = /virt_type=(\S+)/.exec(info)?.[1] ?? 'unknown'
  const hosts: KvmLabHost[] = info
    .split('\n')
    .map((l) => /^(h\d+) ssh=(\S+):(\d+) unshare_pid=\d+ hooks=(\S+) state=(\S+) hostkey=(\S+ \S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, address: m[2]!, port: Number(m[3]), hooksDir: m[4]!, stateDir: m[5]!, hostKey: m[6]! }))
  if (hosts.length !== opts.hosts) throw new Error(`KVM lab started but printed ${hosts.length} hosts:\n${info}`)

  const lab = (args: string[], timeout = 60_000) =>
    run('bash', [SCRIPT, ...args], { env: labEnvFinal, timeout, maxBuffer: 16 << 20 })
  const byName = (n: string): KvmLabHost => {
    const h = hosts.find((x) => x.name === n)
    if (!h) throw new Error(`no lab host ${n}`)
    return h
  }
  const initPid = (n: string): string => {
    const unshare = readFileSync(path.join(dir, n, 'ns.pid'), 'utf8').trim()
    return readFileSync(`/proc/${unshare}/task/${unshare}/children`, 'utf8').trim().split(/\s+/)[0]!
  }
  let stopped = false
  return {
    dir,
    virtType,
    privateKeyPath: path.join(dir, 'id_ed25519'),
    hosts,
    host: byName,
    ssh: (h, command) => lab(['ssh', h, command]),
    async vm(h, name, mib) {
      await lab(['vm', h, name, String(mib)])
    },
    async setmem(h, total, free) {
      await lab(['setmem', h, String(total), String(free)])
    },
    async realmem(h) {
      await lab(['realmem', h])
    },
    async reset() {
      await lab(['reset'])
    },
    async libvirtdStop(h) {
      await lab(['libvirtd-stop', h])
    },
    async libvirtdStart(h) {
      await lab(['libvirtd-start', h])
    },
    async domains(h) {
      const { stdout } = await run(
        'nsenter',
        ['-t', initPid(h), '-m', '-u', 'virsh', '-q', '-c', 'qemu:///system', 'domstats', '--state', '--balloon'],
        { timeout: 30_000 }
      )
      return parseDomStats(stdout)
    },
    inventoryHost(n) {
      const h = byName(n)
      return { address: h.address, port: h.port, hostKey: h.hostKey, hooksDir: h.hooksDir, stateDir: h.stateDir }
    },
    async stop() {
      if (stopped) return
      stopped = true
      await lab(['stop'], 120_000).catch(() => undefined)
      if (!existsSync(path.join(dir, 'hosts'))) rmSync(root, { recursive: true, force: true })
    }
  }
}
