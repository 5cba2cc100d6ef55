import { spawnSync } from 'node:child_process'
import { startSshdFleet } from '../../test/support/sshd-fleet.js'
import { connectHost } from '../../workers/ssh/connect-host.js'
import { runStage } from '../../workers/ssh/run-stage.js'
import { openRunnerShell } from '../../workers/ssh/runner-shell.js'
import { median } from '../bench-env.js'
import { countersBetween, readHostCounters } from '../host-counters.js'

export interface ProfileResult {
  processSpawnMs: number
  sshConnectMs: number
  sshExecTrueMs: number
  runStageNoopMs: number
  runStageDirectNoopMs: number
  /** Processes the host creates per no-op detached stage, the script itself excluded (pid namespace counter). */
  hostProcessesPerStage: number
  hostProcessesPerStageDirect: number
  /** Processes the host creates for one SSH connection plus its runner shell. */
  hostProcessesPerSession: number
  /** Host CPU (sshd and everything under it) per no-op detached stage, and per session set-up. */
  hostCpuMsPerStage: number
  hostCpuMsPerSession: number
}

const CYCLES = 10
const STAGE_NAMES = ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance'] as const

/** Where a host cycle's time goes on this machine: process creation, SSH set-up, one command, one stage. */
export async function profileScenario(): Promise<ProfileResult> {
  const spawns: number[] = []
  for (let i = 0; i < 30; i++) {
    const t = performance.now()
    spawnSync('sh', ['-c', 'true'])
    spawns.push(performance.now() - t)
  }
  const fleet = await startSshdFleet({ hosts: [{ name: 'p1' }], isolatePids: true })
  try {
    fleet.writeHook('p1', 'Maintenance', '#!/bin/sh\nexit 0\n')
    const host = fleet.hostConfig('p1')
    const hostPid = fleet.host('p1').pid!
    const r = (v: number) => Math.round(v * 10) / 10

    const connects: number[] = []
    const before = readHostCounters(hostPid)
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      const c = await connectHost(host)
      connects.push(performance.now() - t)
      ;(await openRunnerShell(c, host)).close()
      c.close()
    }
    await new Promise((res) => setTimeout(res, 500)) // sessions reaped, so their CPU is counted
    const sessions = countersBetween(before, readHostCounters(hostPid))

    const conn = await connectHost(host)
    const execs: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      await conn.exec('true')
      execs.push(performance.now() - t)
    }
    conn.close()
    for (const stage of STAGE_NAMES) fleet.writeHook('p1', stage, '#!/bin/sh\nexit 0\n')
    // No-op host cycles (4 stages of one run) on one session; counted once the session has ended,
    // so the CPU of its reaped processes is in sshd's counters; the session's own cost is taken off.
    const measure = async (
      executor: 'detached' | 'direct'
    ): Promise<{ ms: number; processes: number; cpuMs: number }> => {
      const times: number[] = []
      const start = readHostCounters(hostPid)
      const c = await connectHost(host)
      const shell = await openRunnerShell(c, host)
      for (let i = 0; i < CYCLES; i++) {
        const runId = `profile-${executor}-${Date.now()}-${i}`
        for (const stage of STAGE_NAMES) {
          const t = performance.now()
          await runStage(shell, { runId, host: { ...host, executor }, stage, timeoutSec: 30 })
          times.push(performance.now() - t)
        }
      }
      shell.close()
      c.close()
      await new Promise((res) => setTimeout(res, 500))
      const n = countersBetween(start, readHostCounters(hostPid))
      const stages = CYCLES * STAGE_NAMES.length
      return {
        ms: median(times),
        processes: (n.processes - sessions.processes / 20) / stages,
        cpuMs: (n.cpuMs - sessions.cpuMs / 20) / stages
      }
    }
    const detached = await measure('detached')
    const direct = await measure('direct')
    return {
      processSpawnMs: r(median(spawns)),
      sshConnectMs: r(median(connects)),
      sshExecTrueMs: r(median(execs)),
      runStageNoopMs: r(detached.ms),
      runStageDirectNoopMs: r(direct.ms),
      // the script itself is not counted (a run creates no directory: its stages' files go into runs/)
      hostProcessesPerStage: r(detached.processes - 1),
      hostProcessesPerStageDirect: r(direct.processes - 1),
      hostProcessesPerSession: r(sessions.processes / 20),
      hostCpuMsPerStage: r(detached.cpuMs),
      hostCpuMsPerSession: r(sessions.cpuMs / 20)
    }
  } finally {
    await fleet.stop()
  }
}
