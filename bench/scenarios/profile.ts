import { spawnSync } from 'node:child_process'
import { startSshdFleet } from '../../test/support/sshd-fleet.js'
import { connectHost } from '../../workers/ssh/connect-host.js'
import { runStage } from '../../workers/ssh/run-stage.js'
import { openRunnerShell } from '../../workers/ssh/runner-shell.js'
import { median } from '../bench-env.js'

export interface ProfileResult {
  processSpawnMs: number
  sshConnectMs: number
  sshExecTrueMs: number
  runStageNoopMs: number
  runStageDirectNoopMs: number
}

/** Where a host cycle's time goes on this machine: process creation, SSH set-up, one command, one stage. */
export async function profileScenario(): Promise<ProfileResult> {
  const spawns: number[] = []
  for (let i = 0; i < 30; i++) {
    const t = performance.now()
    spawnSync('sh', ['-c', 'true'])
    spawns.push(performance.now() - t)
  }
  const fleet = await startSshdFleet({ hosts: [{ name: 'p1' }] })
  try {
    fleet.writeHook('p1', 'Maintenance', '#!/bin/sh\nexit 0\n')
    const host = fleet.hostConfig('p1')
    const connects: number[] = []
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      ;(await connectHost(host)).close()
      connects.push(performance.now() - t)
    }
    const conn = await connectHost(host)
    const shell = await openRunnerShell(conn, host)
    const execs: number[] = []
    const stages: number[] = []
    const direct: number[] = []
    for (let i = 0; i < 20; i++) {
      let t = performance.now()
      await conn.exec('true')
      execs.push(performance.now() - t)
      t = performance.now()
      await runStage(shell, { runId: `profile-${i}`, host, stage: 'Maintenance', timeoutSec: 30 })
      stages.push(performance.now() - t)
      t = performance.now()
      await runStage(shell, { runId: `profile-d-${i}`, host: { ...host, executor: 'direct' }, stage: 'Maintenance', timeoutSec: 30 })
      direct.push(performance.now() - t)
    }
    conn.close()
    const r = (v: number[]) => Math.round(median(v) * 10) / 10
    return { processSpawnMs: r(spawns), sshConnectMs: r(connects), sshExecTrueMs: r(execs), runStageNoopMs: r(stages), runStageDirectNoopMs: r(direct) }
  } finally {
    await fleet.stop()
  }
}
