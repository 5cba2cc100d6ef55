import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawnSync } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RUNNER_PROGRAM } from '../../workers/ssh/runner-program.js'
import type { StageName } from '../../shared/types.js'
import { childrenOf, groupMembers } from '../support/host-processes.js'
import { LocalRunner } from '../support/local-runner.js'
import { readStageRecord, type StageRecord } from '../support/stage-journal.js'

/**
 * The stage timeout as the runner keeps it (workers/ssh/runner-program.ts: setsid, one watchdog
 * sleep, rm_alarm), through the real program in a local `sh -s`: the deadline is each stage's own
 * even when the watchdog was armed for an earlier one, one watchdog serves a whole host cycle, a
 * shell re-attaching keeps the timeout when the shell that started the stage is gone, and hosts
 * without setsid fall back to timeout(1).
 */
let dir: string
let n = 0
const runners: LocalRunner[] = []

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rm-watchdog-'))
  for (const d of ['hooks', 'state']) mkdirSync(`${dir}/${d}`)
  writeFileSync(`${dir}/boot_id`, 'boot-1\n')
})
afterEach(() => {
  for (const r of runners.splice(0)) r.kill()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
/** What the run's journal in this runner's state directory says of a stage (host id h1). */
const record = (run: string, stage: StageName): StageRecord | undefined =>
  readStageRecord(`${dir}/state`, run, 'h1', stage)

const hook = (stage: StageName, body: string): void => {
  writeFileSync(`${dir}/hooks/${stage}`, `#!/bin/bash\n${body}\n`)
  chmodSync(`${dir}/hooks/${stage}`, 0o755)
}
const runner = (preamble?: string, reaper = false, leader = false): LocalRunner => {
  const r = new LocalRunner({
    stateDir: `${dir}/state`,
    hooksDir: `${dir}/hooks`,
    bootIdPath: `${dir}/boot_id`,
    reaper,
    leader,
    ...(preamble === undefined ? {} : { preamble })
  })
  runners.push(r)
  return r
}
/** The command of a live process, '' once it is gone (a zombie counts as gone: it is only waiting for a parent to reap it). */
const comm = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return ''
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}
const watchdogsOf = (r: LocalRunner): number[] => childrenOf(r.pid).filter((p) => comm(p) === 'sleep')
const live = (pids: number[]): number[] => pids.filter((p) => comm(p) !== '')
const nextRun = (): string => `wd-${process.pid}-${++n}`

describe('the stage timeout kept by the runner', () => {
  it('one watchdog serves PreFlight and the whole chain, and goes with the shell', async () => {
    for (const s of ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance'] as const) hook(s, 'exit 0')
    const r = runner()
    const run = nextRun()
    r.send('pf', run, 'PreFlight', undefined, 600)
    expect((await r.reply('pf')).kind).toBe('exited')
    const first = watchdogsOf(r)
    expect(first).toHaveLength(1)
    r.chain(run, 600, [
      { nonce: 'a', stage: 'PreMaintenance' },
      { nonce: 'b', stage: 'Maintenance' },
      { nonce: 'c', stage: 'PostMaintenance' }
    ])
    for (const nonce of ['a', 'b', 'c']) expect(await r.reply(nonce)).toMatchObject({ kind: 'exited', code: '0' })
    expect(watchdogsOf(r)).toEqual(first)
    r.end()
    await new Promise((resolve) => r.sh.once('exit', resolve))
    for (let i = 0; i < 50 && comm(first[0]!) === 'sleep'; i++) await sleep(20)
    expect(comm(first[0]!)).not.toBe('sleep')
  })

  it("the watchdog leads a session of its own: out of reach of a script's kill 0, ended by a shutdown's SIGTERM", async () => {
    hook('Maintenance', 'sleep 5')
    const r = runner()
    r.send('m', nextRun(), 'Maintenance', undefined, 600)
    let dogs: number[] = []
    for (let i = 0; i < 100 && dogs.length === 0; i++) {
      await sleep(20)
      dogs = watchdogsOf(r)
    }
    expect(dogs).toHaveLength(1)
    // /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ...
    const stat = readFileSync(`/proc/${dogs[0]}/stat`, 'utf8')
    const [, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    expect(Number(pgid)).toBe(dogs[0])
    expect(Number(sid)).toBe(dogs[0])
    expect(Number(pgid)).not.toBe(r.shellPid)
    // A shutdown signals every process: the watchdog goes at once (it would otherwise hold the
    // shutdown until the final SIGKILL, even orphaned by a runner shell that was killed).
    process.kill(dogs[0]!, 'SIGTERM')
    for (let i = 0; i < 50 && comm(dogs[0]!) === 'sleep'; i++) await sleep(20)
    expect(comm(dogs[0]!)).not.toBe('sleep')
  })

  it('a reply nobody reads any more (a lost connection) ends the shell and its watchdog with it', async () => {
    hook('Maintenance', 'sleep 1')
    const r = runner()
    const run = nextRun()
    const exited = new Promise<number | null>((resolve) => r.sh.once('exit', (code) => resolve(code)))
    r.send('m', run, 'Maintenance', undefined, 600)
    let dogs: number[] = []
    for (let i = 0; i < 100 && dogs.length === 0; i++) {
      await sleep(20)
      dogs = watchdogsOf(r)
    }
    expect(dogs).toHaveLength(1)
    r.sh.stdout.destroy()
    // Its stage ended and was recorded, then the reply's write found no reader: exit, EXIT trap.
    expect(await exited).toBe(141)
    expect(record(run, 'Maintenance')).toMatchObject({ exitCode: 0 })
    for (let i = 0; i < 50 && comm(dogs[0]!) === 'sleep'; i++) await sleep(20)
    expect(comm(dogs[0]!)).not.toBe('sleep')
  })

  it("a watchdog armed for an earlier stage does not cut the next one short: each stage's deadline is its own", async () => {
    hook('PreMaintenance', 'sleep 1.2')
    hook('Maintenance', 'sleep 30')
    const r = runner()
    const t = Date.now()
    r.chain(nextRun(), 2, [
      { nonce: 'a', stage: 'PreMaintenance' },
      { nonce: 'b', stage: 'Maintenance' }
    ])
    expect(await r.reply('a')).toMatchObject({ kind: 'exited', code: '0' })
    expect((await r.reply('b')).kind).toBe('timeout')
    // Maintenance started about 1.2 s in and had its 2 s: not ended by the 2 s armed at the start.
    expect(Date.now() - t).toBeGreaterThan(3000)
    expect(Date.now() - t).toBeLessThan(6000)
  })

  it.each([false, true])(
    'a kept watchdog killed from outside between two stages is not counted on: the next stage still gets its deadline (runner leading its group: %s)',
    async (leader) => {
      hook('PreFlight', 'exit 0')
      hook('Maintenance', 'sleep 25')
      const r = runner(undefined, false, leader)
      const run = nextRun()
      // PreFlight's watchdog fires 1 s in: Maintenance's deadline (3 s) is later, so it would be kept.
      r.send('pf', run, 'PreFlight', undefined, 1)
      expect((await r.reply('pf')).kind).toBe('exited')
      const dogs = watchdogsOf(r)
      expect(dogs).toHaveLength(1)
      // Killed while no stage runs: its end is not seen by any trap.
      process.kill(dogs[0]!, 'SIGKILL')
      for (let i = 0; i < 50 && comm(dogs[0]!) !== ''; i++) await sleep(10)
      const t = Date.now()
      r.send('m', run, 'Maintenance', undefined, 3)
      expect((await r.reply('m', 15_000)).kind).toBe('timeout')
      expect(Date.now() - t).toBeLessThan(10_000)
    }
  )

  it('a runner leading its process group (as sshd starts it) runs scripts in that group; one that does not, each in its own (setsid)', async () => {
    hook('PreFlight', 'exit 0')
    for (const [mode, r] of [
      ['own', runner()],
      ['setsid', runner(undefined, true)]
    ] as const) {
      const run = nextRun()
      r.send('pf', run, 'PreFlight')
      expect((await r.reply('pf')).kind).toBe('exited')
      const { shell, pid: script, group } = record(run, 'PreFlight')!
      expect(shell).toBe(r.shellPid)
      expect(group).toBe(mode === 'own' ? shell : script)
    }
  })

  it.each(['own group', 'setsid'] as const)(
    '%s: the whole group is killed: a child that ignores TERM gets KILL after the 5 s grace',
    async (mode) => {
      const pids = `${dir}/child-pids`
      hook('Maintenance', `trap '' TERM; sleep 300 & echo $! > ${pids}; wait; wait`)
      const r = runner(mode === 'setsid' ? 'rm_ss=1' : undefined)
      const t = Date.now()
      r.send('m', nextRun(), 'Maintenance', undefined, 1)
      expect((await r.reply('m', 15_000)).kind).toBe('timeout')
      expect(Date.now() - t).toBeGreaterThan(5500)
      const child = Number(readFileSync(pids, 'utf8'))
      for (let i = 0; i < 50 && comm(child) === 'sleep'; i++) await sleep(20)
      expect(comm(child)).not.toBe('sleep')
    }
  )

  it.each(['own group', 'setsid'] as const)(
    '%s: its shell killed, the stage is still bounded: the shell that re-attaches keeps the deadline',
    async (mode) => {
      hook('Maintenance', 'sleep 300')
      const run = nextRun()
      const first = runner(undefined, true, mode === 'own group')
      first.send('m1', run, 'Maintenance', undefined, 2)
      let pgid: number | undefined
      for (let i = 0; i < 100 && pgid === undefined; i++) {
        await sleep(20)
        pgid = record(run, 'Maintenance')?.group
      }
      expect(pgid).toBeDefined()
      // A second shell re-attaches while the first still keeps the timeout, and only then is the
      // first killed (the shell alone: the script's group lives on, taken over by its reaping parent
      // as by a host's init): the second looks again at the deadline and keeps it.
      const t = Date.now()
      const second = runner()
      second.send('m2', run, 'Maintenance', undefined, 2)
      await sleep(300)
      process.kill(first.shellPid!, 'SIGKILL')
      // No exit status was recorded (its shell is gone): vanished, but ended by the deadline, not 300 s.
      expect((await second.reply('m2', 15_000)).kind).toBe('vanished')
      expect(Date.now() - t).toBeLessThan(8000)
      expect(live(groupMembers(pgid!))).toEqual([])
    }
  )

  it("a script's `kill 0` (TERM to the runner's own group): its deadline is still kept, its status answered, then the shell ends without starting the next stage", async () => {
    const run = nextRun()
    hook('PreMaintenance', "trap '' TERM; kill 0; sleep 30")
    hook('Maintenance', 'exit 0')
    const r = runner()
    const exited = new Promise<number | null>((resolve) => r.sh.once('exit', (code) => resolve(code)))
    const t = Date.now()
    r.chain(run, 2, [
      { nonce: 'a', stage: 'PreMaintenance' },
      { nonce: 'b', stage: 'Maintenance' }
    ])
    // The watchdog ignored the script's TERM: the 2 s deadline ends the script (TERM, ignored, then
    // KILL 5 s later), not its 30 s sleep.
    expect((await r.reply('a', 15_000)).kind).toBe('timeout')
    expect(Date.now() - t).toBeLessThan(12_000)
    // The TERM was the shell's too: it ended once the stage was answered, Maintenance never claimed.
    expect(await exited).toBe(143)
    expect(record(run, 'Maintenance')).toBeUndefined()
    expect(record(run, 'PreMaintenance')).toMatchObject({ timedOut: true })
  })

  it('a script that keeps sending kill 0 while its watchdog starts: a watchdog killed before its time is armed again, the deadline holds', async () => {
    const run = nextRun()
    // TERM to the runner's whole group, again and again from the script's first moment: the watchdog,
    // forked at the same time, is in that group until its setsid; one killed there is armed again.
    hook('Maintenance', "trap '' TERM; i=0; while [ $i -lt 400 ]; do kill 0; i=$((i+1)); done; sleep 30")
    const r = runner()
    const t = Date.now()
    r.send('k', run, 'Maintenance', undefined, 2)
    expect((await r.reply('k', 20_000)).kind).toBe('timeout')
    expect(Date.now() - t).toBeLessThan(12_000)
  })

  it('a watchdog judged gone while it is still there does not hold the answer until its time: it is killed and armed again', async () => {
    // As a runner in a pid namespace of its own read the host's /proc before it checked that /proc
    // was its own (the 100-host bench hung 30 min on five PreFlights): every verdict here is "gone".
    for (const s of ['PreMaintenance', 'Maintenance', 'PostMaintenance'] as const) hook(s, 'exit 0')
    const r = runner('rm_alive() { return 1; }')
    const run = nextRun()
    const t = Date.now()
    r.chain(run, 600, [
      { nonce: 'a', stage: 'PreMaintenance' },
      { nonce: 'b', stage: 'Maintenance' },
      { nonce: 'c', stage: 'PostMaintenance' }
    ])
    for (const nonce of ['a', 'b', 'c'])
      expect(await r.reply(nonce, 20_000)).toMatchObject({ kind: 'exited', code: '0' })
    expect(Date.now() - t).toBeLessThan(15_000)
    // Killed watchdogs are not left behind: one at most, armed for the rest of the deadline.
    expect(live(watchdogsOf(r)).length).toBeLessThanOrEqual(1)
  })

  it("a /proc that shows another pid namespace is not read for this shell's processes (no own group, no zombie check)", () => {
    const probe = `${RUNNER_PROGRAM}\nprintf '%s %s\\n' "$rm_procok" "$rm_ss"\n`
    // As sshd starts it (a session and group of its own), with /proc its own: both in use.
    const own = spawnSync('setsid', ['sh', '-s'], { input: probe, encoding: 'utf8' })
    expect(own.stdout.trim()).toBe('1 2')
    // A pid namespace of its own under the host's /proc (unshare --pid without --mount-proc).
    const ns = spawnSync('unshare', ['--pid', '--fork', 'setsid', 'sh', '-s'], { input: probe, encoding: 'utf8' })
    expect(ns.stdout.trim()).toBe('0 1')
  })

  it.each(['own group', 'setsid'] as const)(
    '%s: SIGTERM to the runner shell mid-chain: the running stage is finished and answered, the next is not started',
    async (mode) => {
      const run = nextRun()
      hook('PreMaintenance', 'sleep 1')
      hook('Maintenance', 'exit 0')
      const r = runner(mode === 'setsid' ? 'rm_ss=1' : undefined)
      const exited = new Promise<number | null>((resolve) => r.sh.once('exit', (code) => resolve(code)))
      r.chain(run, 30, [
        { nonce: 'a', stage: 'PreMaintenance' },
        { nonce: 'b', stage: 'Maintenance' }
      ])
      await sleep(300)
      process.kill(r.shellPid!, 'SIGTERM')
      expect(await r.reply('a')).toMatchObject({ kind: 'exited', code: '0' })
      expect(await exited).toBe(143)
      expect(record(run, 'Maintenance')).toBeUndefined()
      expect(record(run, 'PreMaintenance')).toMatchObject({ exitCode: 0 })
    }
  )

  it('without setsid, timeout(1) leads the group and keeps the deadline as before', async () => {
    hook('Maintenance', 'sleep 30')
    const r = runner('rm_ss=0')
    const t = Date.now()
    r.send('m', nextRun(), 'Maintenance', undefined, 1)
    expect((await r.reply('m')).kind).toBe('timeout')
    expect(Date.now() - t).toBeLessThan(4000)
    expect(watchdogsOf(r)).toEqual([])
  })

  it('a timeout that is not a number of seconds is refused, nothing is started', async () => {
    hook('Maintenance', `echo ran > ${dir}/ran`)
    const r = runner()
    r.sh.stdin.write(`rm_stage x ${nextRun()} Maintenance '1; touch ${dir}/ran' detached\n`)
    expect(await r.reply('x')).toMatchObject({ kind: 'error', code: '91' })
    expect(() => readFileSync(`${dir}/ran`)).toThrow()
  })
})
