import { spawn } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostConfig, StageName } from '../../shared/types.js'
import { connectHost, type HostConnection } from '../../workers/ssh/connect-host.js'
import { runStage } from '../../workers/ssh/run-stage.js'
import { openRunnerShell, type RunnerShell } from '../../workers/ssh/runner-shell.js'
import { hostFileKey, journalPath, stageFilePath } from '../../workers/ssh/stage-files.js'
import { startSshdFleet, type SshdFleet } from '../support/sshd-fleet.js'
import { readStageRecord, stageOutputPath } from '../support/stage-journal.js'

// The runner's state files on the host (docs/stage-scripts.md#how-scripts-run-on-the-host): one
// directory, names that cannot collide, and stages an older runner started in its own layout.
let fleet: SshdFleet
let conn: HostConnection
const shells: RunnerShell[] = []
let run = 0
const nextRun = (): string => `files-${++run}`

beforeAll(async () => {
  fleet = await startSshdFleet({ hosts: [{ name: 'f1' }] })
  conn = await connectHost(fleet.hostConfig('f1'))
})
afterAll(async () => {
  for (const s of shells) s.close()
  conn?.close()
  await fleet?.stop()
})

const host = (id?: string): HostConfig => fleet.hostConfig('f1', id === undefined ? {} : { id })
const shellFor = async (h: HostConfig): Promise<RunnerShell> => {
  const s = await openRunnerShell(conn, h)
  shells.push(s)
  return s
}
const starts = (mark: number): number =>
  fleet
    .readHostLog()
    .slice(mark)
    .filter((e) => e.event === 'start').length

describe('state files', () => {
  it('every file of a stage is in runs/ itself, under names that keep host ids apart', async () => {
    fleet.writeHook('f1', 'PreFlight', fleet.loggingHook({ stdout: 'ran' }))
    const runId = nextRun()
    // `/` and `%` are encoded, so these are two hosts (not one file name); `.` may stay.
    const ids = ['a/b.c', 'a%2Fb.c', `long-${'x'.repeat(250)}`]
    const mark = fleet.readHostLog().length
    for (const id of ids) {
      const h = host(id)
      const r = await runStage(await shellFor(h), { runId, host: h, stage: 'PreFlight', timeoutSec: 30 })
      expect(r).toMatchObject({ kind: 'exited', exitCode: 0, output: 'ran\n' })
      // No file created per stage (issue 12): the run's journal on the host has the stage's claim
      // (the supervising shell, the boot id, the runner shell's output file and its name), its
      // start (the script's pid, its deadline and the process group its timeout signals), its
      // exit status, each one line. sshd starts the runner shell as its group's leader, so the
      // script runs in that group (no setsid per stage).
      const journal = readFileSync(journalPath(h.stateDir, runId, id), 'utf8')
      const lines = new RegExp(
        `^\\nrm_j PreFlight c (\\d+) ${readFileSync(h.bootIdPath, 'utf8').trim()} (session\\.[\\w-]+\\.\\d+\\.\\d+\\.output) \\2 \\.` +
          `\\nrm_j PreFlight p \\d+ \\d+ (\\d+) \\.\\nrm_j PreFlight x 0 - \\.$`
      ).exec(journal)
      expect(lines, journal).not.toBeNull()
      expect(lines![3]).toBe(lines![1])
      expect(readFileSync(path.join(h.stateDir, 'runs', lines![2]!), 'utf8')).toBe('ran\n')
      expect(existsSync(stageFilePath(h.stateDir, runId, id, 'PreFlight', 'claim'))).toBe(false)
    }
    expect(starts(mark)).toBe(3)
    const names = readdirSync(path.join(host().stateDir, 'runs')).filter((n) => n.startsWith(`${runId}.`))
    expect(names).toEqual(expect.arrayContaining(ids.map((id) => path.basename(journalPath('/', runId, id)))))
    expect(names).toHaveLength(3)
    expect(names.every((n) => n.length < 255)).toBe(true)
    expect(hostFileKey(ids[2]!)).toMatch(/^%h[0-9a-f]{64}$/)
  })

  it("one output file per runner shell: a re-attach reads a stage's output until that shell passes the file to its next stage", async () => {
    const h = host()
    const runId = nextRun()
    fleet.writeHook('f1', 'PreFlight', fleet.loggingHook({ stdout: 'first' }))
    fleet.writeHook('f1', 'PreMaintenance', fleet.loggingHook({ stdout: 'second' }))
    const a = await shellFor(h)
    expect(await runStage(a, { runId, host: h, stage: 'PreFlight', timeoutSec: 30 })).toMatchObject({
      output: 'first\n'
    })
    // Another shell asking for the same stage (a worker taking over) reads it from the first shell's file.
    expect(await runStage(await shellFor(h), { runId, host: h, stage: 'PreFlight', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      output: 'first\n'
    })
    // The first shell's next stage has the same file, emptied, and the journal says PreFlight's is released.
    expect(await runStage(a, { runId, host: h, stage: 'PreMaintenance', timeoutSec: 30 })).toMatchObject({
      output: 'second\n'
    })
    const recordOf = (stage: StageName) => readStageRecord(h.stateDir, runId, h.id, stage)!
    expect(recordOf('PreFlight').outputFile).toBe(recordOf('PreMaintenance').outputFile)
    expect(stageOutputPath(h.stateDir, recordOf('PreFlight'))).toMatch(/session\.[\w-]+\.\d+\.\d+\.output$/)
    // The second shell found the claim before it made one of its own.
    expect(recordOf('PreFlight')).toMatchObject({ released: true, exitCode: 0, claims: 1 })
    expect(recordOf('PreMaintenance')).toMatchObject({ released: false, exitCode: 0, claims: 1 })
    // Its status is still known; its output no longer is, which the answer says, and none of the
    // next stage's is given for it.
    expect(await runStage(await shellFor(h), { runId, host: h, stage: 'PreFlight', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 0,
      output: expect.stringMatching(/^\(output no longer on the host: .*\)\n$/)
    })
  })

  it('a run id that could break the names is refused, nothing is started', async () => {
    fleet.writeHook('f1', 'PreFlight', fleet.loggingHook())
    const mark = fleet.readHostLog().length
    const shell = await shellFor(host())
    for (const runId of ['a.b', '../x', ''])
      await expect(runStage(shell, { runId, host: host(), stage: 'PreFlight', timeoutSec: 30 })).rejects.toThrow(
        /failed \(error 91\)/
      )
    expect(starts(mark)).toBe(0)
  })

  it('runs/ removed while a session lives is made again by the next claim', async () => {
    fleet.writeHook('f1', 'PreFlight', '#!/bin/sh\nexit 0\n')
    const shell = await shellFor(host())
    rmSync(path.join(host().stateDir, 'runs'), { recursive: true, force: true })
    const runId = nextRun()
    expect(await runStage(shell, { runId, host: host(), stage: 'PreFlight', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 0
    })
    expect(readStageRecord(host().stateDir, runId, host().id, 'PreFlight')).toMatchObject({ exitCode: 0, claims: 1 })
  })
})

describe('the journal', () => {
  it('a line cut short (a write that did not finish) is not taken, nor does it spoil the next', async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook({ stdout: 'ran' }))
    const h = host()
    const runId = nextRun()
    const boot = readFileSync(h.bootIdPath, 'utf8').trim()
    // Another shell's claim caught halfway through its write: no "." at its end.
    writeFileSync(journalPath(h.stateDir, runId, h.id), `rm_j Maintenance c 999999 ${boot} session.x.1.999999.output`)
    const mark = fleet.readHostLog().length
    expect(await runStage(await shellFor(h), { runId, host: h, stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 0,
      output: 'ran\n'
    })
    expect(starts(mark)).toBe(1)
    expect(readStageRecord(h.stateDir, runId, h.id, 'Maintenance')).toMatchObject({ exitCode: 0, claims: 1 })
  })

  it("a whole claim of a shell that is gone is the stage's: it is not started, and is answered vanished", async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const h = host()
    const runId = nextRun()
    const boot = readFileSync(h.bootIdPath, 'utf8').trim()
    writeFileSync(
      journalPath(h.stateDir, runId, h.id),
      `rm_j Maintenance c 999999 ${boot} session.x.1.999999.output session.x.1.999999.output .\n`
    )
    const mark = fleet.readHostLog().length
    expect(await runStage(await shellFor(h), { runId, host: h, stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'vanished'
    })
    expect(starts(mark)).toBe(0)
  })
  it("another user's journal is never read as commands: no stage is started by it", async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const h = host()
    const runId = nextRun()
    const marker = path.join(h.stateDir, `read-${runId}`)
    const file = journalPath(h.stateDir, runId, h.id)
    // A state directory others can write to: their journal would run as the runner's user.
    writeFileSync(file, `\ntouch ${marker}\n`)
    chownSync(file, 65534, 65534)
    const mark = fleet.readHostLog().length
    await expect(runStage(await shellFor(h), { runId, host: h, stage: 'Maintenance', timeoutSec: 30 })).rejects.toThrow(
      /error 90.*not owned by this user/s
    )
    expect(existsSync(marker)).toBe(false)
    expect(starts(mark)).toBe(0)
  })
})

describe('a stage the previous runner started (a claim file per stage)', () => {
  it('finished: its claim file is read, not the journal, and the stage is not started again', async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const h = host()
    const runId = nextRun()
    const boot = readFileSync(h.bootIdPath, 'utf8').trim()
    writeFileSync(path.join(h.stateDir, 'runs', 'session.x.1.999999.output'), 'previous runner\n')
    writeFileSync(
      stageFilePath(h.stateDir, runId, h.id, 'Maintenance', 'claim'),
      `999999 ${boot} session.x.1.999999.output\n999998 100 999999\n5\n`
    )
    const mark = fleet.readHostLog().length
    expect(await runStage(await shellFor(h), { runId, host: h, stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 5,
      output: 'previous runner\n'
    })
    expect(starts(mark)).toBe(0)
    expect(existsSync(journalPath(h.stateDir, runId, h.id))).toBe(false)
  })
})

describe('a stage an older runner started (a directory per stage)', () => {
  const legacyDir = (runId: string, stage: StageName): string =>
    path.join(host().stateDir, 'runs', runId, host().id, stage)
  const bootId = (): string => readFileSync(host().bootIdPath, 'utf8').trim()

  it('finished: its recorded result is the answer, it is not started again', async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const runId = nextRun()
    const d = legacyDir(runId, 'Maintenance')
    mkdirSync(d, { recursive: true })
    writeFileSync(`${d}/claim`, '999999\n')
    writeFileSync(`${d}/boot_id`, `${bootId()}\n`)
    writeFileSync(`${d}/output`, 'old runner\n')
    writeFileSync(`${d}/exit`, '3\n')
    const mark = fleet.readHostLog().length
    const shell = await shellFor(host())
    expect(await runStage(shell, { runId, host: host(), stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 3,
      output: 'old runner\n'
    })
    // direct mode: the claim is there, so the outcome is unknown, not a second start
    await expect(
      runStage(shell, { runId, host: { ...host(), executor: 'direct' }, stage: 'Maintenance', timeoutSec: 30 })
    ).rejects.toMatchObject({ code: 'STAGE_OUTCOME_UNKNOWN' })
    expect(starts(mark)).toBe(0)
    expect(existsSync(stageFilePath(host().stateDir, runId, host().id, 'Maintenance', 'claim'))).toBe(false)
  })

  it('flat layout of the runner before the claim held it all: its boot_id, exit and timedout files are read', async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const runId = nextRun()
    const file = (f: 'claim' | 'boot_id' | 'output' | 'exit' | 'timedout'): string =>
      stageFilePath(host().stateDir, runId, host().id, 'Maintenance', f)
    writeFileSync(file('claim'), '999999\n')
    writeFileSync(file('boot_id'), `${bootId()}\n`)
    writeFileSync(file('output'), 'old runner, timed out\n')
    writeFileSync(file('timedout'), '')
    writeFileSync(file('exit'), '124\n')
    const mark = fleet.readHostLog().length
    const shell = await shellFor(host())
    expect(await runStage(shell, { runId, host: host(), stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'timeout',
      output: 'old runner, timed out\n'
    })
    expect(starts(mark)).toBe(0)
  })

  it('still running: it is waited for and its exit status read', async () => {
    fleet.writeHook('f1', 'Maintenance', fleet.loggingHook())
    const runId = nextRun()
    const d = legacyDir(runId, 'Maintenance')
    mkdirSync(d, { recursive: true })
    // The old runner's stage: its process records the exit status when it ends, as the old shell did.
    const p = spawn('sh', ['-c', `sleep 1; echo late > "$1/output"; echo 6 > "$1/exit"`, 'sh', d], {
      stdio: 'ignore',
      detached: true
    })
    writeFileSync(`${d}/claim`, `${p.pid}\n`)
    writeFileSync(`${d}/boot_id`, `${bootId()}\n`)
    writeFileSync(`${d}/pgid`, `${p.pid}\n`)
    const mark = fleet.readHostLog().length
    const shell = await shellFor(host())
    const t = Date.now()
    expect(await runStage(shell, { runId, host: host(), stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      kind: 'exited',
      exitCode: 6,
      output: 'late\n'
    })
    expect(Date.now() - t).toBeGreaterThan(500)
    expect(starts(mark)).toBe(0)
  })
})
