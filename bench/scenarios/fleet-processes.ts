import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

export interface FleetWorker {
  child: ChildProcess
  /** CPU ms (user + system) the process has used so far. */
  cpuMs(): number
  /** Starts the in-process CPU profiler (bench/scenarios/fleet-worker.ts). */
  startProfile(): Promise<void>
  stopProfile(file: string): Promise<void>
  /** SIGTERM: the worker drains (closing its SSH sessions) and exits. */
  stop(): Promise<void>
}

/** CPU ms (utime + stime, 100 ticks per second) of a live process, from /proc. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** The machine's CPU ticks by kind since boot (/proc/stat first line): where the cores' time went. */
export function machineTicks(): { user: number; system: number; idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f
  return {
    user: user + nice,
    system: system + irq + softirq,
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal
  }
}

/** One production SSH worker process (the fleet-worker entry), ready to take jobs. */
export async function startFleetWorker(env: Record<string, string>): Promise<FleetWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/scenarios/fleet-worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc']
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fleet worker not ready after 60 s')), 60_000)
    // Read to the end: a worker whose stdout pipe fills up would block on its own logging.
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('fleet-worker ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`fleet worker exited (${code})`)))
  })
  const ask = (msg: object, done: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { done?: string; error?: string }): void => {
        if (m.done !== done && !m.error) return
        child.off('message', onMessage)
        if (m.error) reject(new Error(m.error))
        else resolve()
      }
      child.on('message', onMessage)
      child.send(msg)
    })
  return {
    child,
    cpuMs: () => processCpuMs(child.pid!),
    startProfile: () => ask({ profile: 'start' }, 'start'),
    stopProfile: (file) => ask({ profile: 'stop', path: file }, 'stop'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    }
  }
}
