import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** What one simulated host (an sshd in a PID namespace of its own) has done so far. */
export interface HostCounters {
  /** Processes created in the host's PID namespace (its pid counter), this probe excluded. */
  processes: number
  /** CPU ms used by the host's sshd and every descendant it has reaped (utime+stime+cutime+cstime). */
  cpuMs: number
}

const TICK_MS = 10 // Linux USER_HZ is 100

function sshdPidOf(unsharePid: number): number {
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number)
  if (!children[0]) throw new Error(`no sshd under unshare ${unsharePid}`)
  return children[0]
}

/**
 * Reads a host's counters without relying on the machine-wide fork counter (which every other
 * process of a shared machine moves): the namespace's last pid, read by one probe process inside
 * it (so one more than what the host did), and sshd's own and its reaped descendants' CPU time.
 */
export function readHostCounters(unsharePid: number): HostCounters {
  const sshd = sshdPidOf(unsharePid)
  const probe = spawnSync('nsenter', ['--target', String(sshd), '--pid', '--', 'cat', '/proc/sys/kernel/ns_last_pid'], {
    encoding: 'utf8'
  })
  const lastPid = Number(probe.stdout.trim())
  if (!Number.isInteger(lastPid) || lastPid <= 0)
    throw new Error(`cannot read the pid counter of sshd ${sshd}: ${probe.stderr}`)
  const f = readFileSync(`/proc/${sshd}/stat`, 'utf8').split(') ')[1]!.split(' ')
  // after "pid (comm) ": utime, stime, cutime, cstime are fields 14-17 of the line
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  return { processes: lastPid - 1, cpuMs: ticks * TICK_MS }
}

/** Counters between two readings (the second reading's own probe process is not counted). */
export function countersBetween(before: HostCounters, after: HostCounters): HostCounters {
  return { processes: after.processes - before.processes - 1, cpuMs: after.cpuMs - before.cpuMs }
}
