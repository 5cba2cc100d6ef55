import { execSync } from 'node:child_process'
import { mkdtempSync, utimesSync, writeFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostKeyMismatchError } from '../../shared/errors/host-key-mismatch-error.js'
import { HostKeyUnknownError } from '../../shared/errors/host-key-unknown-error.js'
import { SshAuthError } from '../../shared/errors/ssh-auth-error.js'
import { SshUnreachableError } from '../../shared/errors/ssh-unreachable-error.js'
import { connectHost, type HostConnection } from '../../workers/ssh/connect-host.js'
import { cleanupOldRuns, runStage } from '../../workers/ssh/run-stage.js'
import { openRunnerShell, type RunnerShell } from '../../workers/ssh/runner-shell.js'
import {
  journalPath,
  OLDER_STAGE_FILES,
  STAGE_FILES,
  stageFilePath,
  type StageFile
} from '../../workers/ssh/stage-files.js'
import { readStageRecord, stageOutputPath } from '../support/stage-journal.js'
import { startSshdFleet, type SshdFleet } from '../support/sshd-fleet.js'

let fleet: SshdFleet
let conn: HostConnection
let shell: RunnerShell
let run = 0
const nextRun = () => `run-${++run}`

beforeAll(async () => {
  fleet = await startSshdFleet({ hosts: [{ name: 's1' }, { name: 's2' }] })
  conn = await connectHost(fleet.hostConfig('s1'))
  shell = await openRunnerShell(conn, fleet.hostConfig('s1'))
})
afterAll(async () => {
  conn?.close()
  await fleet?.stop()
})

const host = () => fleet.hostConfig('s1')
const stage = (s: Parameters<typeof runStage>[1]['stage'], extra: Partial<Parameters<typeof runStage>[1]> = {}) =>
  runStage(shell, { runId: nextRun(), host: host(), stage: s, timeoutSec: 30, ...extra })
function hook(
  stageName: 'PreFlight' | 'Maintenance',
  body: string,
  ext: '' | '.sh' | '.py' = '',
  executable = true
): void {
  fleet.writeHook('s1', stageName, `#!/bin/sh\n${body}\n`, { ext, executable })
}
/** Dead (or a zombie waiting for this sandbox's init to reap it) within a second of the kill. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) return true
    } catch {
      return true
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}
function clearHooks(): void {
  execSync(`rm -f ${host().hooksDir}/*`)
}

describe('script lookup (docs/stage-scripts.md)', () => {
  it('<Stage> before <Stage>.sh before <Stage>.py; non-executable files are ignored; none → missing', async () => {
    clearHooks()
    expect(await stage('Maintenance')).toEqual({ kind: 'missing' })
    hook('Maintenance', 'echo py', '.py')
    expect(await stage('Maintenance')).toMatchObject({ kind: 'exited', output: 'py\n' })
    hook('Maintenance', 'echo sh', '.sh')
    expect(await stage('Maintenance')).toMatchObject({ output: 'sh\n' })
    hook('Maintenance', 'echo plain', '')
    expect(await stage('Maintenance')).toMatchObject({ output: 'plain\n' })
    hook('Maintenance', 'echo not-executable', '', false)
    expect(await stage('Maintenance')).toMatchObject({ output: 'sh\n' })
  })
})

describe('arguments and environment (docs/stage-scripts.md)', () => {
  it('$1 is the payload verbatim, one argument, never parsed by a shell', async () => {
    clearHooks()
    const marker = path.join(os.tmpdir(), `pwned-${process.pid}`)
    hook('Maintenance', 'printf "%s|" "$#"; printf "%s" "$1"')
    const payload = `a b,c "d" 'e' $(touch ${marker}) \`touch ${marker}\` ; touch ${marker}\nnewline ü * \\ $HOME`
    const r = await stage('Maintenance', { payload })
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0, output: `1|${payload}` })
    expect(existsSync(marker)).toBe(false)
  })

  it('no payload: no $1 at all', async () => {
    hook('Maintenance', 'echo "$#"')
    expect(await stage('Maintenance')).toMatchObject({ output: '0\n' })
  })

  it('sets ROLLMAINT_STAGE, _RUN_ID, _HOST_ID, _HOST_NAME, _PAYLOAD', async () => {
    hook(
      'PreFlight',
      'echo "$ROLLMAINT_STAGE/$ROLLMAINT_RUN_ID/$ROLLMAINT_HOST_ID/$ROLLMAINT_HOST_NAME/$ROLLMAINT_PAYLOAD"'
    )
    const r = await runStage(shell, {
      runId: 'env-run',
      host: host(),
      stage: 'PreFlight',
      timeoutSec: 30,
      payload: 'p q'
    })
    expect(r).toMatchObject({ output: 'PreFlight/env-run/host-s1/s1/p q\n' })
  })
})

describe('exit status, output, timeout (docs/stage-scripts.md)', () => {
  it('reports 0, 70 and other exit codes as they are', async () => {
    for (const code of [0, 70, 3]) {
      hook('Maintenance', `exit ${code}`)
      expect(await stage('Maintenance')).toMatchObject({ kind: 'exited', exitCode: code })
    }
  })

  it('stdout and stderr together, only the last 64 KiB kept', async () => {
    hook('Maintenance', 'echo out; echo err >&2; head -c 100000 /dev/zero | tr "\\0" x; echo; echo END')
    const r = await stage('Maintenance')
    if (r.kind !== 'exited') throw new Error(r.kind)
    expect(Buffer.byteLength(r.output)).toBe(65536)
    expect(r.output.endsWith('x\nEND\n')).toBe(true)
    hook('Maintenance', 'echo out; echo err >&2')
    expect(await stage('Maintenance')).toMatchObject({ output: 'out\nerr\n' })
  })

  it('a timeout kills the whole process tree on the host, not just the channel', async () => {
    const pids = path.join(fleet.host('s1').dir, 'pids')
    hook('Maintenance', `sleep 300 & echo $! > ${pids}.child; echo $$ > ${pids}.parent; wait`)
    const started = Date.now()
    const r = await stage('Maintenance', { timeoutSec: 1 })
    expect(r.kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(10_000)
    for (const f of [`${pids}.child`, `${pids}.parent`]) expect(await gone(Number(readFileSync(f, 'utf8')))).toBe(true)
  })
})

describe('detached runner: each stage at most once per host and run', () => {
  it('a dropped connection is re-attached: the same process is waited for, never started twice', async () => {
    fleet.writeHook('s1', 'Maintenance', fleet.loggingHook({ sleepSec: 2, exitCode: 5, stdout: 'slow' }))
    const mark = fleet.readHostLog().length
    const runId = nextRun()
    const first = await connectHost(host())
    const pending = runStage(await openRunnerShell(first, host()), {
      runId,
      host: host(),
      stage: 'Maintenance',
      timeoutSec: 30
    })
    await new Promise((r) => setTimeout(r, 700))
    first.close()
    await expect(pending).rejects.toMatchObject({ code: 'SSH_CONNECTION_LOST' })
    const again = await connectHost(host())
    const r = await runStage(await openRunnerShell(again, host()), {
      runId,
      host: host(),
      stage: 'Maintenance',
      timeoutSec: 30
    })
    again.close()
    expect(r).toMatchObject({ kind: 'exited', exitCode: 5, output: 'slow\n' })
    const starts = fleet
      .readHostLog()
      .slice(mark)
      .filter((e) => e.event === 'start')
    expect(starts).toHaveLength(1)
    // and once finished, asking again returns the recorded result without running it
    expect(await runStage(shell, { runId, host: host(), stage: 'Maintenance', timeoutSec: 30 })).toMatchObject({
      exitCode: 5
    })
    expect(
      fleet
        .readHostLog()
        .slice(mark)
        .filter((e) => e.event === 'start')
    ).toHaveLength(1)
  })

  it('two workers asking for the same stage at once: one start, both get its result', async () => {
    fleet.writeHook('s1', 'Maintenance', fleet.loggingHook({ sleepSec: 1, exitCode: 3, stdout: 'once' }))
    const mark = fleet.readHostLog().length
    const runId = nextRun()
    const conns = await Promise.all([connectHost(host()), connectHost(host())])
    try {
      const shells = await Promise.all(conns.map((c) => openRunnerShell(c, host())))
      const results = await Promise.all(
        shells.map((s) => runStage(s, { runId, host: host(), stage: 'Maintenance', timeoutSec: 30 }))
      )
      for (const r of results) expect(r).toMatchObject({ kind: 'exited', exitCode: 3, output: 'once\n' })
      expect(
        fleet
          .readHostLog()
          .slice(mark)
          .filter((e) => e.event === 'start')
      ).toHaveLength(1)
    } finally {
      for (const c of conns) c.close()
    }
  })

  it("old runs' files are cleaned up, and only those", async () => {
    const h = host()
    const past = new Date(Date.now() - 10 * 24 * 3600 * 1000)
    const plantOld = (runId: string): string[] =>
      (['claim', 'boot_id', 'exit', 'output'] as const).map((f) => {
        const file = stageFilePath(h.stateDir, runId, h.id, 'PreFlight', f)
        writeFileSync(file, '')
        utimesSync(file, past, past)
        return file
      })
    const gone = async (files: string[]): Promise<boolean> => {
      for (let i = 0; i < 100 && files.some((f) => existsSync(f)); i++) await new Promise((r) => setTimeout(r, 50))
      return files.every((f) => !existsSync(f))
    }
    const ancient = plantOld('ancient')
    // An older runner's run directory (a directory per stage) goes as well.
    const legacy = path.join(h.stateDir, 'runs', 'ancient-dir')
    mkdirSync(path.join(legacy, h.id, 'PreFlight'), { recursive: true })
    writeFileSync(path.join(legacy, h.id, 'PreFlight', 'claim'), '1\n')
    utimesSync(legacy, past, past)
    await cleanupOldRuns(shell, 7)
    // the host removes them in the background
    expect(await gone([...ancient, legacy])).toBe(true)
    // A recent run's files stay: the env test's run, written minutes ago (its journal and output).
    const recent = readStageRecord(h.stateDir, 'env-run', h.id, 'PreFlight')
    expect(recent).toBeDefined()
    expect(existsSync(journalPath(h.stateDir, 'env-run', h.id))).toBe(true)
    expect(existsSync(stageOutputPath(h.stateDir, recent!))).toBe(true)

    // Every run asks (its PreFlight): within the hour the host does not scan again (no process).
    const older = plantOld('ancient-2')
    await cleanupOldRuns(shell, 7)
    await new Promise((r) => setTimeout(r, 500))
    expect(older.every((f) => existsSync(f))).toBe(true)
    // A record from another boot (or an hour old) lets the next one scan.
    writeFileSync(path.join(h.stateDir, 'cleaned'), 'another-boot 1\n')
    await cleanupOldRuns(shell, 7)
    expect(await gone(older)).toBe(true)
  })
})

describe('SSH: host keys and credentials (docs/security.md)', () => {
  it('an unknown host key is refused (no hostKey, empty known_hosts)', async () => {
    const kh = path.join(mkdtempSync(path.join(os.tmpdir(), 'kh-')), 'known_hosts')
    writeFileSync(kh, '')
    await expect(
      connectHost(fleet.hostConfig('s2', { hostKey: undefined, knownHostsPath: kh }))
    ).rejects.toBeInstanceOf(HostKeyUnknownError)
  })

  it('a changed host key is refused, naming both fingerprints', async () => {
    const err = await connectHost(fleet.hostConfig('s2', { hostKey: fleet.host('s1').hostKey })).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(HostKeyMismatchError)
    expect((err as Error).message).toMatch(/offered SHA256:\S+, pinned hostKey is SHA256:\S+/)
  })

  it('a known_hosts entry [127.0.0.1]:port is accepted', async () => {
    const kh = path.join(mkdtempSync(path.join(os.tmpdir(), 'kh-')), 'known_hosts')
    const s2 = fleet.host('s2')
    writeFileSync(kh, `[127.0.0.1]:${s2.port} ${s2.hostKey}\n`)
    const c = await connectHost(fleet.hostConfig('s2', { hostKey: undefined, knownHostsPath: kh }))
    c.close()
  })

  it('a wrong client key is an authentication error, not retried', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'key-'))
    execSync(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/other`)
    const err = await connectHost(fleet.hostConfig('s2', { privateKeyPath: `${dir}/other` })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SshAuthError)
    expect((err as SshAuthError).retryable).toBe(false)
    expect((err as Error).message).not.toContain('PRIVATE KEY')
  })

  it('a closed port is unreachable', async () => {
    await expect(connectHost(fleet.hostConfig('s2', { port: 1 }), { readyTimeoutMs: 3000 })).rejects.toBeInstanceOf(
      SshUnreachableError
    )
  })
})

describe('executor: direct (the script in the foreground, output streamed)', () => {
  it('runs the script in the channel with the same lookup, $1, exit codes, output and timeout kill', async () => {
    const direct = { ...host(), executor: 'direct' as const }
    hook('Maintenance', 'printf "%s|%s|" "$#" "$ROLLMAINT_STAGE"; printf "%s" "$1"; echo err >&2; exit 4')
    const r = await runStage(shell, {
      runId: nextRun(),
      host: direct,
      stage: 'Maintenance',
      timeoutSec: 30,
      payload: "a 'b' $(c)"
    })
    expect(r).toMatchObject({
      kind: 'exited',
      exitCode: 4,
      output: "1|Maintenance|a 'b' $(c)err\n",
      bootIdChanged: false
    })
    clearHooks()
    expect(await runStage(shell, { runId: nextRun(), host: direct, stage: 'Maintenance', timeoutSec: 30 })).toEqual({
      kind: 'missing'
    })
    const pids = path.join(fleet.host('s1').dir, 'direct-pids')
    hook('Maintenance', `sleep 300 & echo $! > ${pids}; wait`)
    const t = await runStage(shell, { runId: nextRun(), host: direct, stage: 'Maintenance', timeoutSec: 1 })
    expect(t.kind).toBe('timeout')
    expect(await gone(Number(readFileSync(pids, 'utf8')))).toBe(true)
    // direct mode keeps only its claim on the host (so it is never started twice), no output or pids
    const file = (f: StageFile): string => stageFilePath(host().stateDir, `run-${run}`, host().id, 'Maintenance', f)
    const record = readStageRecord(host().stateDir, `run-${run}`, host().id, 'Maintenance')
    expect(record).toMatchObject({ outputFile: '-', claims: 1 })
    expect([record?.pid, record?.exitCode]).toEqual([undefined, undefined])
    expect([...STAGE_FILES, ...OLDER_STAGE_FILES].filter((f) => existsSync(file(f)))).toEqual([])
  })
})
