import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StageName } from '../../shared/types.js'
import { stageResultOf } from '../../workers/ssh/runner-reply.js'
import { LocalRunner } from '../support/local-runner.js'
import { readStageRecord, stageOutputPath, type StageRecord } from '../support/stage-journal.js'
import type { StageResult } from '../../workers/ssh/stage-result.js'
import { judgeStage, type StageVerdict } from '../../workers/stage-decisions.js'

/**
 * The example hooks of docs/stage-scripts.md#examples, taken from the page itself and run through the
 * real stage runner program (a local `sh -s` instead of one over SSH), so the page's scripts cannot
 * rot: lookup, `$1`, the ROLLMAINT_* variables, exit 70, and the reboot rule of a Maintenance script.
 * The host's tools the scripts call (virsh, systemctl, apt-get, logger, df, uptime) are stubs.
 */
const DOC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs/stage-scripts.md')

/** Each fenced block that starts with `#!`, named by the last `Name.sh` / `Name.py` mentioned before it. */
function examplesFromDoc(): Map<string, string> {
  const text = readFileSync(DOC, 'utf8')
  const out = new Map<string, string>()
  for (const m of text.matchAll(/```(?:sh|python)\n(#!.*?)```/gs)) {
    const before = text.slice(0, m.index)
    const names = [...before.matchAll(/`((?:Pre|Post)?(?:Flight|Maintenance)\.(?:sh|py))`/g)]
    const name = names.at(-1)?.[1]
    if (name) out.set(name, m[1]!)
  }
  return out
}

let dir: string
let examples: Map<string, string>

/** One runner shell with this test's stub commands, and a stage's reply judged as the worker judges it. */
class ExampleRunner extends LocalRunner {
  constructor(hooks: string) {
    super({
      stateDir: `${dir}/state`,
      hooksDir: `${dir}/${hooks}`,
      bootIdPath: `${dir}/boot_id`,
      pathPrefix: `${dir}/bin`
    })
  }
  async judged(nonce: string, stage: StageName): Promise<{ result: StageResult; verdict: StageVerdict }> {
    const result = stageResultOf(await this.reply(nonce), { startedAt: '', finishedAt: '', durationMs: 0 })!
    return { result, verdict: judgeStage(stage, result) }
  }
  async stage(
    run: string,
    stage: StageName,
    payload?: string
  ): Promise<{ result: StageResult; verdict: StageVerdict }> {
    const nonce = `${run}-${stage}`
    this.send(nonce, run, stage, payload)
    return this.judged(nonce, stage)
  }
}

const outputOf = (r: { result: StageResult }): string => ('output' in r.result ? r.result.output : '')
const runners: ExampleRunner[] = []
const runner = (hooks: string): ExampleRunner => {
  const r = new ExampleRunner(hooks)
  runners.push(r)
  return r
}

beforeAll(() => {
  examples = examplesFromDoc()
  dir = mkdtempSync(path.join(os.tmpdir(), 'rm-doc-examples-'))
  for (const d of ['hooks-sh', 'hooks-py', 'state', 'bin', 'done', 'etc', 'run']) mkdirSync(`${dir}/${d}`)
  // The scripts' fixed paths on a real host, moved into this test's directory.
  const local = (s: string): string =>
    s
      .replaceAll('/var/lib/rollmaint-hooks/done', `${dir}/done`)
      .replaceAll('/etc/rollmaint-hooks/hold', `${dir}/etc/hold`)
      .replaceAll('/run/reboot-required', `${dir}/run/reboot-required`)
  for (const [name, body] of examples) {
    const file = `${dir}/${name.endsWith('.py') ? 'hooks-py' : 'hooks-sh'}/${name}`
    writeFileSync(file, local(body))
    chmodSync(file, 0o755)
  }
  const stubs: Record<string, string> = {
    virsh: 'echo "Compiled against library: libvirt 9.0.0"',
    systemctl: 'echo "systemctl $*" >&2',
    'apt-get': 'echo "apt-get $*"',
    logger: 'echo "logger $*"',
    df: 'echo "Filesystem 1024-blocks Used Available Capacity Mounted on"; echo "/dev/vda1 99999999 1 99999998 1% $2"',
    uptime: 'echo "2026-12-01 08:00:00"'
  }
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(`${dir}/bin/${name}`, `#!/bin/sh\n${body}\n`)
    chmodSync(`${dir}/bin/${name}`, 0o755)
  }
  writeFileSync(`${dir}/boot_id`, 'boot-1\n')
})

afterAll(() => {
  for (const r of runners) r.kill()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('docs/stage-scripts.md examples, run by the stage runner', () => {
  it('the page has every example it names', () => {
    expect([...examples.keys()].sort()).toEqual([
      'Maintenance.sh',
      'PostMaintenance.py',
      'PostMaintenance.sh',
      'PreFlight.py',
      'PreFlight.sh',
      'PreMaintenance.sh'
    ])
  })

  it('shell set: a host goes through, records the change, and the next run skips it with exit 70', async () => {
    const r = runner('hooks-sh')
    const pre = await r.stage('run-a', 'PreFlight', 'CHG-4711')
    expect(pre.verdict.kind).toBe('ok')
    expect(outputOf(pre)).toContain('PreFlight of run run-a on kvm1 (h1)')
    expect((await r.stage('run-a', 'PreMaintenance', 'CHG-4711')).verdict.kind).toBe('ok')
    const m = await r.stage('run-a', 'Maintenance', 'CHG-4711')
    expect(m.verdict.kind).toBe('ok')
    expect(outputOf(m)).toContain('upgraded; no reboot needed')
    expect((await r.stage('run-a', 'PostMaintenance', 'CHG-4711')).verdict.kind).toBe('ok')
    expect(existsSync(`${dir}/done/CHG-4711`)).toBe(true)
    const none = await r.stage('run-a2', 'PreFlight')
    expect(none.verdict.kind).toBe('ok')
    expect(outputOf(none)).toContain('change (none given) to do')
    const again = await r.stage('run-b', 'PreFlight', 'CHG-4711')
    expect(again.verdict.kind).toBe('avoid')
    expect(outputOf(again)).toContain('change CHG-4711 was completed here')
  })

  it('shell set: a payload unfit for a file name fails PreFlight; a host on hold is skipped by PreMaintenance', async () => {
    const r = runner('hooks-sh')
    const bad = await r.stage('run-c', 'PreFlight', '../etc/passwd')
    expect(bad.verdict).toMatchObject({
      kind: 'failed',
      message: expect.stringMatching(/^exit status 2; output: change id/)
    })
    writeFileSync(`${dir}/etc/hold`, 'disk replacement\n')
    const held = await r.stage('run-c', 'PreMaintenance', 'CHG-1')
    rmSync(`${dir}/etc/hold`)
    expect(held.verdict.kind).toBe('avoid')
    expect(outputOf(held)).toContain('on hold: disk replacement')
  })

  it('Maintenance.sh that reboots: killed by the shutdown, judged completed under the new boot id', async () => {
    writeFileSync(`${dir}/run/reboot-required`, '')
    const first = runner('hooks-sh')
    first.send('reboot-1', 'run-d', 'Maintenance', 'CHG-2', 120)
    const started = (): StageRecord | undefined => {
      const r = readStageRecord(`${dir}/state`, 'run-d', 'h1', 'Maintenance')
      return r?.group !== undefined ? r : undefined
    }
    const asked = (): boolean => {
      const r = started()
      return r !== undefined && readFileSync(stageOutputPath(`${dir}/state`, r), 'utf8').includes('rebooting')
    }
    const deadline = Date.now() + 20_000
    while (!asked()) {
      if (Date.now() > deadline) throw new Error('Maintenance.sh never asked for the reboot')
      await sleep(20)
    }
    // The "reboot": the runner shell and the script's group die, the host comes back with a new boot
    // id. The shell first, as a power cut takes both at once: a shell that outlived its script
    // recorded exit 137 under load (judged the same, but not the state a reboot shows).
    first.kill()
    try {
      process.kill(-started()!.group!, 'SIGKILL')
    } catch {
      // Gone with the shell: the script ran in the shell's own group (workers/ssh/runner-launch.ts).
    }
    writeFileSync(`${dir}/boot_id`, 'boot-2\n')
    const after = runner('hooks-sh')
    after.send('reboot-2', 'run-d', 'Maintenance', 'CHG-2', 120)
    const r = await after.judged('reboot-2', 'Maintenance')
    expect(r.result).toMatchObject({ kind: 'vanished', bootIdChanged: true })
    expect(r.verdict.kind).toBe('ok')
    expect(outputOf(r)).toContain('upgraded; rebooting')
    rmSync(`${dir}/run/reboot-required`)
  })

  it('python set: exit 70 on the wanted kernel, 0 otherwise, 2 for a payload that is not JSON', async () => {
    const r = runner('hooks-py')
    const kernel = os.release()
    expect((await r.stage('run-e', 'PreFlight', JSON.stringify({ kernel }))).verdict.kind).toBe('avoid')
    expect((await r.stage('run-f', 'PreFlight', '{"kernel": "0.0.0-other", "minFreeGiB": 0}')).verdict.kind).toBe('ok')
    const bad = await r.stage('run-h', 'PreFlight', 'not "JSON" $(id)')
    expect(bad.verdict).toMatchObject({
      kind: 'failed',
      message: expect.stringMatching(/^exit status 2; .*the payload is not JSON .*not "JSON" \$\(id\)/s)
    })
    expect((await r.stage('run-e', 'PostMaintenance', JSON.stringify({ kernel }))).verdict.kind).toBe('ok')
    const wrong = await r.stage('run-f', 'PostMaintenance', '{"kernel": "0.0.0-other"}')
    expect(wrong.verdict).toMatchObject({ kind: 'failed', message: expect.stringContaining('expected 0.0.0-other') })
  })
})
