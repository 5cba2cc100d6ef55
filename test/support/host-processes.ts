import { spawnSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { runningStageRecords } from './stage-journal.js'

/** Every process as pid → parent pid, pgid (one `ps`: pgrep per level would race with forks). */
function processTable(): Array<{ pid: number; ppid: number; pgid: number }> {
  return spawnSync('ps', ['-e', '-o', 'pid=,ppid=,pgid='])
    .stdout.toString()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every((n) => Number.isInteger(n) && n > 1))
    .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid! }))
}

export function childrenOf(pid: number): number[] {
  return processTable()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid)
}

export function descendantsOf(pid: number): number[] {
  const table = processTable()
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const parent = queue.shift()!
    for (const p of table) {
      if (p.ppid === parent && !out.includes(p.pid)) {
        out.push(p.pid)
        queue.push(p.pid)
      }
    }
  }
  return out
}

export function groupMembers(pgid: number): number[] {
  return processTable()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid)
}

// Only pids we found ourselves, validated, and signalled from Node: procps' kill(1) reads
// `kill -KILL -123` as kill(-1, SIGKILL), which ends every process of the machine.
function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    if (!Number.isInteger(p) || p <= 1 || p === process.pid) continue
    try {
      process.kill(p, signal)
    } catch {
      // already gone
    }
  }
}
export const freeze = (pids: number[]): void => signalPids(pids, 'SIGSTOP')
export const killPids = (pids: number[]): void => signalPids(pids, 'SIGKILL')

/** Whether a process is one of this host's (started in its directory, or naming it): recorded pids may have been reused. */
function belongsTo(pid: number, hostDir: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`).startsWith(hostDir)) return true
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(hostDir)
  } catch {
    return false
  }
}

/**
 * Pids the runner recorded for stages still running (no exit status yet) that are still this host's: the
 * shell supervising each (its claim) or the process group its timeout signals (its start).
 */
export function runningStagePids(stateDir: string, hostDir: string, what: 'supervisor' | 'pgid'): number[] {
  return runningStageRecords(stateDir)
    .map((r) => (what === 'supervisor' ? r.shell : r.group))
    .filter((p): p is number => p !== undefined && Number.isInteger(p))
    .filter((p) => belongsTo(p, hostDir))
}
