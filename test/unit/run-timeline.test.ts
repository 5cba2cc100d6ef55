import { describe, expect, it } from 'vitest'
import {
  applyRunEvent,
  buildRunTimeline,
  eventTime,
  outputTail,
  stageOutcome,
  type RunTimeline
} from '../../shared/run-timeline.js'

const T0 = Date.parse('2026-01-01T10:00:00.000Z')
const id = (ms: number, seq = 0) => `${T0 + ms}-${seq}`
const ev = (ms: number, type: string, data: Record<string, unknown>) => ({ id: id(ms), type, data })
const h1 = { hostId: 'h1', hostName: 'kvm1', clusterId: 'c1' }

describe('run timeline (shared by the API snapshot and the console)', () => {
  it('judges stage outcomes as docs/stage-scripts.md does: 0 ok, 70 = nothing to do only for PreFlight and PreMaintenance', () => {
    expect(stageOutcome('Maintenance', 'exited', 0)).toBe('ok')
    expect(stageOutcome('PreFlight', 'exited', 70)).toBe('avoid')
    expect(stageOutcome('PreMaintenance', 'exited', 70)).toBe('avoid')
    expect(stageOutcome('Maintenance', 'exited', 70)).toBe('failed')
    expect(stageOutcome('Maintenance', 'exited', 1)).toBe('failed')
    expect(stageOutcome('Maintenance', 'timeout', null)).toBe('timeout')
    expect(stageOutcome('PostMaintenance', 'missing', null)).toBe('missing')
    expect(stageOutcome('Maintenance', 'vanished', null)).toBe('failed')
  })

  it('takes stage times from the stream ids; a finished stage starts durationMs before its end', () => {
    expect(eventTime(id(1500))).toBe('2026-01-01T10:00:01.500Z')
    let tl: RunTimeline = { hosts: [], events: [] }
    tl = applyRunEvent(tl, ev(0, 'stage.started', { ...h1, stage: 'Maintenance' }))
    expect(tl.hosts[0]).toMatchObject({
      hostName: 'kvm1',
      status: 'active',
      stages: [{ stage: 'Maintenance', outcome: 'running', startedAt: '2026-01-01T10:00:00.000Z' }]
    })
    const before = tl
    tl = applyRunEvent(
      tl,
      ev(2500, 'stage.finished', {
        ...h1,
        stage: 'Maintenance',
        result: 'exited',
        exitCode: 0,
        durationMs: 2400,
        output: 'patched'
      })
    )
    expect(tl.hosts[0]!.stages[0]).toEqual({
      stage: 'Maintenance',
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:00:02.500Z',
      outcome: 'ok',
      exitCode: 0,
      durationMs: 2400,
      output: 'patched'
    })
    // The previous state is left as it was (UI state keeps it), and the output is not repeated in the event list.
    expect(before.hosts[0]!.stages[0]!.outcome).toBe('running')
    expect(tl.events.at(-1)!.data).not.toHaveProperty('output')
    expect(tl.lastEventId).toBe(id(2500))
  })

  it('a host waits again after PreFlight, is active in its cycle, and ends updated, skipped or failed', () => {
    const events = [
      ev(0, 'stage.started', { ...h1, stage: 'PreFlight' }),
      ev(100, 'stage.finished', { ...h1, stage: 'PreFlight', result: 'exited', exitCode: 0, durationMs: 100 })
    ]
    let tl = buildRunTimeline([{ ...h1, phase: 'pending' }], events)
    expect(tl.hosts[0]!.status).toBe('pending')
    tl = applyRunEvent(tl, ev(200, 'stage.started', { ...h1, stage: 'PreMaintenance' }))
    expect(tl.hosts[0]!.status).toBe('active')
    tl = applyRunEvent(tl, ev(300, 'host.updated', { hostId: 'h1', hostName: 'kvm1' }))
    expect(tl.hosts[0]).toMatchObject({ status: 'updated', updated: true })
    tl = applyRunEvent(
      tl,
      ev(400, 'host.skipped', { hostId: 'h1', hostName: 'kvm1', reason: 'Post-maintenance script failed: x' })
    )
    expect(tl.hosts[0]).toMatchObject({ status: 'skipped', updated: true, reason: 'Post-maintenance script failed: x' })
    tl = applyRunEvent(
      tl,
      ev(500, 'host.failed', {
        hostId: 'h2',
        hostName: 'kvm2',
        clusterId: 'c1',
        stage: 'Maintenance',
        message: 'exit 1'
      })
    )
    expect(tl.hosts[1]).toMatchObject({ hostName: 'kvm2', status: 'failed', reason: 'Maintenance failed: exit 1' })
  })

  it('entering and leaving maintenance mode are spans of their own, read off the events around them, with the VM moves in their output', () => {
    const ok = (ms: number, stage: string, durationMs = 100) =>
      ev(ms, 'stage.finished', { ...h1, stage, result: 'exited', exitCode: 0, durationMs })
    const started = (ms: number, stage: string) => ev(ms, 'stage.started', { ...h1, stage })
    const vm = (ms: number, type: string, extra: object) =>
      ev(ms, type, { ...h1, vm: 'vm1', to: 'h2', toName: 'kvm2', ...extra })
    let tl = buildRunTimeline(
      [{ ...h1, phase: 'PreMaintenance' }],
      [started(0, 'PreMaintenance'), ok(100, 'PreMaintenance'), vm(200, 'vm.migrating', { memoryMiB: 1024 })]
    )
    expect(tl.hosts[0]!.stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['PreMaintenance', 'ok'],
      ['EnterMaintenance', 'running']
    ])
    tl = applyRunEvent(tl, vm(3300, 'vm.migrated', { durationMs: 3100 }))
    tl = applyRunEvent(tl, started(3400, 'Maintenance'))
    tl = applyRunEvent(tl, ok(5400, 'Maintenance', 2000))
    tl = applyRunEvent(tl, ev(5450, 'host.updated', { hostId: 'h1', hostName: 'kvm1' }))
    const [, enter, maint] = tl.hosts[0]!.stages
    expect(enter).toEqual({
      stage: 'EnterMaintenance',
      startedAt: eventTime(id(100)),
      finishedAt: eventTime(id(3400)),
      durationMs: 3300,
      outcome: 'ok',
      output: 'vm1 → kvm2: migrating\nvm1 → kvm2: migrated in 3.1 s'
    })
    expect(maint!.stage).toBe('Maintenance')
    // The none driver's exit took 50 ms and had nothing to tell: not drawn.
    expect(tl.hosts[0]!.stages.map((s) => s.stage)).toEqual(['PreMaintenance', 'EnterMaintenance', 'Maintenance'])

    // An evacuation that fails is a failed EnterMaintenance with the reason; PreMaintenance 70 enters nothing.
    const failed = buildRunTimeline(
      [],
      [
        ok(0, 'PreMaintenance'),
        vm(1000, 'vm.migration-failed', { reason: 'no route' }),
        ev(1200, 'host.failed', { ...h1, stage: 'EnterMaintenance', message: 'vm1 could not move to kvm2: no route' }),
        ev(2000, 'stage.finished', {
          hostId: 'h3',
          hostName: 'kvm3',
          clusterId: 'c1',
          stage: 'PreMaintenance',
          result: 'exited',
          exitCode: 70,
          durationMs: 10
        })
      ]
    )
    expect(failed.hosts[0]!.stages[1]).toMatchObject({
      stage: 'EnterMaintenance',
      outcome: 'failed',
      output: 'vm1 → kvm2: FAILED no route\nvm1 could not move to kvm2: no route'
    })
    expect(failed.hosts[1]!.stages.map((s) => s.stage)).toEqual(['PreMaintenance'])

    // A host that cannot leave maintenance mode: a failed ExitMaintenance.
    const stuck = buildRunTimeline(
      [],
      [
        ok(0, 'Maintenance'),
        ev(90_000, 'host.failed', { ...h1, stage: 'ExitMaintenance', message: 'host unreachable' })
      ]
    )
    expect(stuck.hosts[0]!.stages[1]).toMatchObject({
      stage: 'ExitMaintenance',
      outcome: 'failed',
      durationMs: 90_000,
      output: 'host unreachable'
    })
  })

  it('a stage announced again after a worker takeover keeps its first start; unknown events only go to the list', () => {
    let tl = buildRunTimeline(
      [{ ...h1, phase: 'Maintenance' }],
      [
        ev(0, 'stage.started', { ...h1, stage: 'Maintenance' }),
        ev(5000, 'stage.started', { ...h1, stage: 'Maintenance' }),
        ev(6000, 'vm.migrated', { ...h1, vm: 'vm1', to: 'h2', durationMs: 900 })
      ]
    )
    expect(tl.hosts[0]!.stages).toHaveLength(1)
    expect(tl.hosts[0]!.stages[0]!.startedAt).toBe('2026-01-01T10:00:00.000Z')
    expect(tl.events.map((e) => e.type)).toEqual(['stage.started', 'stage.started', 'vm.migrated'])
    tl = applyRunEvent(tl, ev(7000, 'run.paused', { reason: 'canary' }))
    expect(tl.hosts).toHaveLength(1)
  })

  it("host records are the truth for how a host ended (events may have been trimmed); lanes keep the records' order", () => {
    const tl = buildRunTimeline(
      [
        {
          hostId: 'h2',
          hostName: 'kvm2',
          clusterId: 'c1',
          phase: 'done',
          skipped: { reason: 'Pre-flight stage set to avoid maintenance' }
        },
        { ...h1, phase: 'done', updated: { startdate: 'a', enddate: 'b', output: '', seq: 1 } },
        {
          hostId: 'h3',
          hostName: 'kvm3',
          clusterId: 'c1',
          phase: 'done',
          failure: { stage: 'PreMaintenance', message: 'boom' }
        }
      ],
      []
    )
    expect(tl.hosts.map((h) => [h.hostName, h.status, h.reason])).toEqual([
      ['kvm2', 'skipped', 'Pre-flight stage set to avoid maintenance'],
      ['kvm1', 'updated', undefined],
      ['kvm3', 'failed', 'PreMaintenance failed: boom']
    ])
    expect(tl.lastEventId).toBeUndefined()
  })

  it('keeps the last 300 events and an output tail that starts on a line', () => {
    const events = Array.from({ length: 350 }, (_, i) => ev(i, 'stage.started', { ...h1, stage: 'PreFlight' }))
    const tl = buildRunTimeline([], events)
    expect(tl.events).toHaveLength(300)
    expect(tl.events[0]!.id).toBe(id(50))
    const long = `${'x'.repeat(3000)}\nline a\n${'y'.repeat(1900)}`
    const tail = outputTail(long)
    expect(tail.length).toBeLessThanOrEqual(2000)
    expect(tail.startsWith('line a') || tail.startsWith('y')).toBe(true)
    expect(outputTail('short')).toBe('short')
  })
})
