import { existsSync } from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StageName } from '../../shared/types.js'
import type { FollowingStage, HostSession } from '../../workers/host-executor.js'
import { connectHost, type HostConnection } from '../../workers/ssh/connect-host.js'
import { createSshExecutor } from '../../workers/ssh/create-ssh-executor.js'
import { runStage, runStageChain } from '../../workers/ssh/run-stage.js'
import { openRunnerShell, type RunnerShell } from '../../workers/ssh/runner-shell.js'
import { startSshdFleet, type SshdFleet } from '../support/sshd-fleet.js'

// Issue 12: stages the host starts one after another without the worker's round trip between
// them (rm_chain), as the `none` maintenance driver asks for them.
let fleet: SshdFleet
let conn: HostConnection
let shell: RunnerShell
const sessions: HostSession[] = []
let run = 0
const nextRun = (): string => `chain-${++run}`
const CYCLE: StageName[] = ['PreMaintenance', 'Maintenance', 'PostMaintenance']
const NONE_CHAIN: FollowingStage[] = [
  { stage: 'Maintenance', after: 'exit-0-or-missing' },
  { stage: 'PostMaintenance', after: 'exit-0' }
]

beforeAll(async () => {
  fleet = await startSshdFleet({ hosts: [{ name: 'c1' }, { name: 'c2' }] })
  conn = await connectHost(fleet.hostConfig('c1'))
  shell = await openRunnerShell(conn, fleet.hostConfig('c1'))
})
afterAll(async () => {
  for (const s of sessions) s.close()
  conn?.close()
  await fleet?.stop()
})

/** Each stage prints its name and $1, leaves a marker file named after the run, and exits as told. */
function scripts(host: string, exits: Partial<Record<StageName, number | 'none'>> = {}): void {
  const dir = fleet.host(host).dir
  for (const stage of CYCLE) {
    const exit = exits[stage] ?? 0
    if (exit === 'none') fleet.writeHook(host, stage, '#!/bin/sh\nexit 0\n', { executable: false })
    else
      fleet.writeHook(
        host,
        stage,
        `#!/bin/sh\necho "$ROLLMAINT_STAGE $1"\n: > ${dir}/ran.$ROLLMAINT_RUN_ID.$ROLLMAINT_STAGE\nexit ${exit}\n`
      )
  }
}
const ran = (host: string, runId: string, stage: StageName): boolean =>
  existsSync(path.join(fleet.host(host).dir, `ran.${runId}.${stage}`))

async function chain(runId: string, payload?: string) {
  const req = { runId, host: fleet.hostConfig('c1'), stage: 'PreMaintenance' as const, timeoutSec: 30, payload }
  return Promise.all(runStageChain(shell, req, NONE_CHAIN))
}

describe('the runner chains stages (rm_chain)', () => {
  it('runs them one after another, each with its own result and output, the payload to each', async () => {
    scripts('c1')
    const results = await chain(nextRun(), 'p q')
    expect(results).toMatchObject([
      { kind: 'exited', exitCode: 0, output: 'PreMaintenance p q\n' },
      { kind: 'exited', exitCode: 0, output: 'Maintenance p q\n' },
      { kind: 'exited', exitCode: 0, output: 'PostMaintenance p q\n' }
    ])
  })

  it('a stage that does not end as the next one allows holds the rest, which never start', async () => {
    scripts('c1', { PreMaintenance: 70 })
    let runId = nextRun()
    expect(await chain(runId)).toMatchObject([{ kind: 'exited', exitCode: 70 }, undefined, undefined])
    expect(ran('c1', runId, 'Maintenance') || ran('c1', runId, 'PostMaintenance')).toBe(false)

    scripts('c1', { Maintenance: 3 })
    runId = nextRun()
    expect(await chain(runId)).toMatchObject([{ exitCode: 0 }, { kind: 'exited', exitCode: 3 }, undefined])
    expect(ran('c1', runId, 'PostMaintenance')).toBe(false)

    // No PreMaintenance script lets Maintenance go on (exit-0-or-missing); no Maintenance script
    // does not let PostMaintenance go on (exit-0).
    scripts('c1', { PreMaintenance: 'none' })
    expect(await chain(nextRun())).toMatchObject([{ kind: 'missing' }, { exitCode: 0 }, { exitCode: 0 }])
    scripts('c1', { Maintenance: 'none' })
    runId = nextRun()
    expect(await chain(runId)).toMatchObject([{ exitCode: 0 }, { kind: 'missing' }, undefined])
    expect(ran('c1', runId, 'PostMaintenance')).toBe(false)
  })

  it('a chained stage asked for again on its own is re-attached, not started again', async () => {
    fleet.writeHook('c1', 'Maintenance', fleet.loggingHook({ stdout: 'once' }))
    fleet.writeHook('c1', 'PreMaintenance', '#!/bin/sh\nexit 0\n')
    fleet.writeHook('c1', 'PostMaintenance', '#!/bin/sh\nexit 0\n')
    const mark = fleet.readHostLog().length
    const runId = nextRun()
    await chain(runId)
    const again = await runStage(shell, { runId, host: fleet.hostConfig('c1'), stage: 'Maintenance', timeoutSec: 30 })
    // Its output file went on to PostMaintenance (one per runner shell): the status is what it was,
    // and the output says it is no longer kept rather than showing another stage's.
    expect(again).toMatchObject({
      kind: 'exited',
      exitCode: 0,
      output: expect.stringMatching(/^\(output no longer on the host/)
    })
    const starts = fleet
      .readHostLog()
      .slice(mark)
      .filter((e) => e.stage === 'Maintenance' && e.event === 'start')
    expect(starts).toHaveLength(1)
  })
})

describe('the SSH executor with followedBy', () => {
  const executor = createSshExecutor({ logger: pino({ level: 'silent' }), reattachGraceMs: 5_000 })
  const open = async (name: string, direct = false): Promise<HostSession> => {
    const s = await executor.open(fleet.hostConfig(name, direct ? { executor: 'direct' } : {}))
    sessions.push(s)
    return s
  }

  it('answers the later stages from the chain: each ran once, before it was asked for', async () => {
    scripts('c2')
    const s = await open('c2')
    const runId = nextRun()
    const first = await s.runStage({ runId, stage: 'PreMaintenance', timeoutSec: 30, followedBy: NONE_CHAIN })
    expect(first).toMatchObject({ kind: 'exited', exitCode: 0 })
    // The host went on without being asked: PostMaintenance has run by the time its turn comes.
    for (let i = 0; i < 100 && !ran('c2', runId, 'PostMaintenance'); i++) await new Promise((r) => setTimeout(r, 20))
    expect(ran('c2', runId, 'PostMaintenance')).toBe(true)
    expect(await s.runStage({ runId, stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      output: 'Maintenance \n'
    })
    expect(await s.runStage({ runId, stage: 'PostMaintenance', timeoutSec: 30 })).toMatchObject({
      output: 'PostMaintenance \n'
    })
  })

  it('a connection lost in the middle: the running stage is re-attached, the rest start when asked, each once', async () => {
    fleet.writeHook('c2', 'PreMaintenance', fleet.loggingHook({ sleepSec: 1 }))
    fleet.writeHook('c2', 'Maintenance', fleet.loggingHook({ stdout: 'm' }))
    fleet.writeHook('c2', 'PostMaintenance', fleet.loggingHook({ stdout: 'p' }))
    const mark = fleet.readHostLog().length
    const s = await open('c2')
    const runId = nextRun()
    const first = s.runStage({ runId, stage: 'PreMaintenance', timeoutSec: 30, followedBy: NONE_CHAIN })
    await new Promise((r) => setTimeout(r, 300))
    await fleet.host('c2').disconnect()
    await fleet.host('c2').start()
    expect(await first).toMatchObject({ kind: 'exited', exitCode: 0 })
    expect(await s.runStage({ runId, stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({ output: 'm\n' })
    expect(await s.runStage({ runId, stage: 'PostMaintenance', timeoutSec: 30 })).toMatchObject({ output: 'p\n' })
    const starts = fleet
      .readHostLog()
      .slice(mark)
      .filter((e) => e.host === 'c2' && e.event === 'start')
      .map((e) => e.stage)
    expect(starts).toEqual(CYCLE)
  })

  it("a chained stage's duration is its own run on the host, not the time since it was asked for", async () => {
    fleet.writeHook('c2', 'PreMaintenance', '#!/bin/sh\nexit 0\n')
    fleet.writeHook('c2', 'Maintenance', fleet.loggingHook({ sleepSec: 0.3 }))
    fleet.writeHook('c2', 'PostMaintenance', '#!/bin/sh\nexit 0\n')
    const s = await open('c2')
    const runId = nextRun()
    await s.runStage({ runId, stage: 'PreMaintenance', timeoutSec: 30, followedBy: NONE_CHAIN })
    // The worker comes to ask only once Maintenance is long over.
    await new Promise((r) => setTimeout(r, 1000))
    const asked = Date.now()
    const m = await s.runStage({ runId, stage: 'Maintenance', timeoutSec: 30 })
    expect(Date.now() - asked).toBeLessThan(100)
    if (m.kind !== 'exited') throw new Error(m.kind)
    expect(m.durationMs).toBeGreaterThanOrEqual(300)
    expect(m.durationMs).toBeLessThan(1000)
  })

  it('a direct host runs only the stage asked for', async () => {
    scripts('c2')
    const s = await open('c2', true)
    const runId = nextRun()
    expect(await s.runStage({ runId, stage: 'PreMaintenance', timeoutSec: 30, followedBy: NONE_CHAIN })).toMatchObject({
      kind: 'exited',
      exitCode: 0
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(ran('c2', runId, 'Maintenance')).toBe(false)
  })
})
