import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { HostConfig } from '../../shared/types.js'
import { confirmVanishedStages } from '../../workers/confirm-vanished-stages.js'
import type { HostExecutor, HostSession } from '../../workers/host-executor.js'
import type { StageResult } from '../../workers/ssh/stage-result.js'

const host = (executor: 'detached' | 'direct'): HostConfig => ({ id: 'h1', name: 'h1', executor }) as HostConfig
const vanished = (bootIdChanged: boolean): StageResult => ({ kind: 'vanished', output: 'partial', bootIdChanged })

/** A session whose successive re-attaches answer the given results (the last one repeats). */
function scripted(results: StageResult[]): { executor: HostExecutor; calls: () => number } {
  let calls = 0
  const session: HostSession = {
    hasStageScript: () => Promise.resolve(true),
    runStage: () => Promise.resolve(results[Math.min(calls++, results.length - 1)]!),
    cleanup: () => Promise.resolve(),
    exec: () => Promise.resolve({ exitCode: 0, stdout: '', stderr: '' }),
    close: () => undefined
  }
  return { executor: { open: () => Promise.resolve(session) }, calls: () => calls }
}

const opts = { logger: pino({ level: 'silent' }), confirmMs: 300, pollMs: 20 }
const request = { runId: 'r', stage: 'PreMaintenance' as const, timeoutSec: 10 }

describe('confirmVanishedStages (issue 15: a shutdown kills the script before sshd goes away)', () => {
  it('a script that vanished under the old boot id and then shows a new boot id is reported as a reboot', async () => {
    const { executor, calls } = scripted([vanished(false), vanished(false), vanished(true)])
    const session = await confirmVanishedStages(executor, opts).open(host('detached'))
    expect(await session.runStage(request)).toEqual(vanished(true))
    expect(calls()).toBe(3)
  })

  it('a script that stays vanished under the same boot id is reported as vanished once the watch ends', async () => {
    const { executor, calls } = scripted([vanished(false)])
    const session = await confirmVanishedStages(executor, opts).open(host('detached'))
    const started = Date.now()
    expect(await session.runStage(request)).toEqual(vanished(false))
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(calls()).toBeGreaterThan(2)
  })

  it('other results and direct stages are passed through at once, never re-run', async () => {
    const exited: StageResult = {
      kind: 'exited',
      exitCode: 0,
      output: '',
      startedAt: '',
      finishedAt: '',
      durationMs: 1,
      bootIdChanged: false
    }
    const a = scripted([exited])
    expect(await (await confirmVanishedStages(a.executor, opts).open(host('detached'))).runStage(request)).toEqual(
      exited
    )
    expect(a.calls()).toBe(1)
    const b = scripted([vanished(false), vanished(true)])
    expect(await (await confirmVanishedStages(b.executor, opts).open(host('direct'))).runStage(request)).toEqual(
      vanished(false)
    )
    expect(b.calls()).toBe(1)
  })
})
