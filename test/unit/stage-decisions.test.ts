import { describe, expect, it } from 'vitest'
import type { StageName } from '../../shared/types.js'
import type { StageResult } from '../../workers/ssh/stage-result.js'
import {
  connectionFailure,
  EXIT_NO_MAINTENANCE,
  failureReason,
  judgeStage,
  SKIP_REASONS
} from '../../workers/stage-decisions.js'

const STAGES: StageName[] = ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance']
const T = { startedAt: '2020-03-12T12:40:44+00:00', finishedAt: '2020-03-12T12:41:24+00:00', durationMs: 40_000 }

const exited = (exitCode: number, output = '', bootIdChanged = false): StageResult => ({
  kind: 'exited',
  exitCode,
  output,
  bootIdChanged,
  ...T
})
const timeout = (output = '', bootIdChanged = false): StageResult => ({ kind: 'timeout', output, bootIdChanged, ...T })
const vanished = (bootIdChanged: boolean, output = ''): StageResult => ({ kind: 'vanished', output, bootIdChanged })

describe('exit status 0 is success (docs/stage-scripts.md)', () => {
  it.each(STAGES)('%s: exit 0 is ok, with the output kept verbatim', (stage) => {
    expect(judgeStage(stage, exited(0, '  line 1\nline 2\n'))).toEqual({ kind: 'ok', output: '  line 1\nline 2\n' })
  })
})

describe('exit 70 "no maintenance needed" is only meaningful for PreFlight and PreMaintenance (docs/stage-scripts.md)', () => {
  it('the constant is 70', () => {
    expect(EXIT_NO_MAINTENANCE).toBe(70)
  })

  it.each(['PreFlight', 'PreMaintenance'] as const)('%s: exit 70 is avoid', (stage) => {
    expect(judgeStage(stage, exited(70, 'already patched'))).toEqual({ kind: 'avoid', output: 'already patched' })
  })

  it.each(['Maintenance', 'PostMaintenance'] as const)('%s: exit 70 is an ordinary failure', (stage) => {
    expect(judgeStage(stage, exited(70, 'already patched'))).toEqual({
      kind: 'failed',
      message: 'exit status 70; output: already patched'
    })
  })
})

describe('any other exit status is a failure, the output in the message (docs/stage-scripts.md)', () => {
  it.each(STAGES.flatMap((s) => [1, 2, 69, 71, 127, 255].map((code) => [s, code] as const)))(
    '%s: exit %i fails',
    (stage, code) => {
      expect(judgeStage(stage, exited(code, '  E: dpkg was interrupted\n'))).toEqual({
        kind: 'failed',
        message: `exit status ${code}; output: E: dpkg was interrupted`
      })
    }
  )

  it('a failure without output says so', () => {
    expect(judgeStage('Maintenance', exited(1, ' \n'))).toEqual({
      kind: 'failed',
      message: 'exit status 1; output: (no output)'
    })
  })
})

describe('a timeout is a failure (docs/stage-scripts.md)', () => {
  it.each(STAGES)('%s: timeout fails and says the process tree was killed', (stage) => {
    const verdict = judgeStage(stage, timeout('still waiting for lock\n'))
    expect(verdict.kind).toBe('failed')
    if (verdict.kind !== 'failed') return
    expect(verdict.message).toMatch(/^timed out/)
    expect(verdict.message).toContain('process tree on the host was killed')
    expect(verdict.message).toMatch(/output: still waiting for lock$/)
  })

  it('a Maintenance timeout is a failure even if the host rebooted', () => {
    expect(judgeStage('Maintenance', timeout('', true)).kind).toBe('failed')
  })
})

describe('no script: the stage is not run (docs/user-guide.md#the-host-cycle)', () => {
  it.each(STAGES)('%s: missing script is no-script', (stage) => {
    expect(judgeStage(stage, { kind: 'missing' })).toEqual({ kind: 'no-script' })
  })
})

describe('a reboot (boot id changed) is a success only for Maintenance', () => {
  it('Maintenance: the script vanished because the host rebooted is ok, with the output so far', () => {
    expect(judgeStage('Maintenance', vanished(true, 'rebooting into new kernel'))).toEqual({
      kind: 'ok',
      output: 'rebooting into new kernel'
    })
  })

  it('Maintenance: the host rebooted, so whatever status the shutdown left (0, 143 from its SIGTERM) counts as completed', () => {
    expect(judgeStage('Maintenance', exited(0, 'done', true))).toEqual({ kind: 'ok', output: 'done' })
    expect(judgeStage('Maintenance', exited(143, 'killed by shutdown', true))).toEqual({
      kind: 'ok',
      output: 'killed by shutdown'
    })
  })

  it.each(['PreFlight', 'PreMaintenance', 'PostMaintenance'] as const)(
    '%s: a reboot is a failure, even with exit 0 or 70',
    (stage) => {
      for (const result of [vanished(true, 'x'), exited(0, 'x', true), exited(70, 'x', true)]) {
        expect(judgeStage(stage, result)).toEqual({
          kind: 'failed',
          message: `the host rebooted during ${stage}; output: x`
        })
      }
    }
  )

  it.each(STAGES)('%s: a script that vanished without a reboot is a failure', (stage) => {
    expect(judgeStage(stage, vanished(false, 'partial'))).toEqual({
      kind: 'failed',
      message: 'the script disappeared without an exit status; output: partial'
    })
  })
})

describe('reasons (docs/user-guide.md#preflight, docs/user-guide.md#the-host-cycle, docs/user-guide.md#failures-after-preflight)', () => {
  it('failureReason prefixes are "<Stage> script failed: ", with CloudStack spelling for pre-flight and post-maintenance', () => {
    expect(failureReason('PreFlight', 'exit status 1; output: x')).toBe(
      'Pre-flight script failed: exit status 1; output: x'
    )
    expect(failureReason('PreMaintenance', 'm')).toBe('PreMaintenance script failed: m')
    expect(failureReason('Maintenance', 'm')).toBe('Maintenance script failed: m')
    expect(failureReason('PostMaintenance', 'm')).toBe('Post-maintenance script failed: m')
  })

  it('skip reasons are CloudStack strings', () => {
    expect(SKIP_REASONS).toEqual({
      preflightAvoid: 'Pre-flight stage set to avoid maintenance',
      premaintenanceAvoid: 'Pre-maintenance stage set to avoid maintenance',
      noMaintenanceScript: 'There is no maintenance script on the host'
    })
  })
})

describe('an unreachable host is a failure with a clear message (docs/stage-scripts.md)', () => {
  it('names the error code when there is one', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 10.0.0.11:22'), { code: 'ECONNREFUSED' })
    expect(connectionFailure(err)).toBe('ECONNREFUSED: connect ECONNREFUSED 10.0.0.11:22')
  })

  it('uses the message alone when there is no string code', () => {
    expect(connectionFailure(new Error('All configured authentication methods failed'))).toBe(
      'All configured authentication methods failed'
    )
    expect(connectionFailure(Object.assign(new Error('x'), { code: 42 }))).toBe('x')
  })

  it('stringifies non-errors', () => {
    expect(connectionFailure('host key mismatch')).toBe('host key mismatch')
  })
})
