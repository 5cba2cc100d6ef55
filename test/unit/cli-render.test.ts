import { describe, expect, it } from 'vitest'
import { formatDuration, renderEventLine, renderProgress } from '../../cli/render-progress.js'
import { toRunEvent } from '../../shared/run-event.js'
import { renderRunTable } from '../../cli/render-run-table.js'
import type { RunView } from '../../shared/run-view.js'

const T0 = Date.parse('2026-11-25T10:00:00.000Z')

const view: RunView = {
  id: 'run-1',
  status: 'running',
  request: { zoneids: ['z'], podids: [], clusterids: [], hostids: [], forced: false },
  createdAt: '2026-11-25T09:59:58.000Z',
  startedAt: '2026-11-25T10:00:00.000Z',
  progress: {
    hostsTotal: 6,
    hostsDone: 2,
    hostsUpdated: 1,
    hostsSkipped: 1,
    clusters: [
      {
        clusterId: 'c1',
        clusterName: 'cluster1',
        hostsTotal: 3,
        hostsDone: 1,
        currentHostId: 'h2',
        currentHostName: 'kvm2',
        currentStage: 'Maintenance'
      },
      { clusterId: 'c2', clusterName: 'c2', hostsTotal: 2, hostsDone: 2 },
      { clusterId: 'c3', clusterName: 'c3', hostsTotal: 1, hostsDone: 0 }
    ],
    failures: { count: 0, max: 0 }
  },
  audit: []
}

describe('renderProgress (the live view)', () => {
  it('a header with status, elapsed and counts, then one line per cluster: done/total, current host, stage and its time', () => {
    const out = renderProgress({ view, stageStartedAt: { h2: T0 + 60_000 }, now: T0 + 75_000 })
    expect(out).toBe(
      [
        'run run-1  running  1m15s  hosts 2/6 done (1 updated, 1 skipped)',
        '  cluster1 [#..] 1/3  kvm2: Maintenance 15s',
        '  c2       [##] 2/2  done',
        '  c3       [.] 0/1  waiting'
      ].join('\n')
    )
  })

  it('without a known stage start the stage time is left out; a queued run counts from its creation', () => {
    const queued: RunView = { ...view, status: 'queued', startedAt: undefined }
    const out = renderProgress({ view: queued, stageStartedAt: {}, now: T0 + 3_000 })
    expect(out.split('\n')[0]).toBe('run run-1  queued  5s  hosts 2/6 done (1 updated, 1 skipped)')
    expect(out).toContain('kvm2: Maintenance\n')
  })

  it('is redrawn in place: as many lines as clusters + 1 whatever happens, and no terminal control codes', () => {
    const out = renderProgress({ view, stageStartedAt: {}, now: T0 })
    expect(out.split('\n')).toHaveLength(4)
    expect(out.includes('\u001b')).toBe(false)
  })
})

describe('formatDuration', () => {
  it('seconds, then minutes and seconds, then hours and minutes; never negative', () => {
    expect(formatDuration(999)).toBe('0s')
    expect(formatDuration(59_999)).toBe('59s')
    expect(formatDuration(61_000)).toBe('1m01s')
    expect(formatDuration(3_600_000 + 5 * 60_000)).toBe('1h05m')
    expect(formatDuration(-5_000)).toBe('0s')
  })
})

describe('renderEventLine (plain lines when stdout is not a terminal)', () => {
  const where = { hostId: 'h1', clusterId: 'c1' }
  const result = { rollingmaintenance: { details: 'OK', hostsskipped: [], hostsupdated: [], success: true } }
  it('stage results with exit code and duration, skips and failures, the run start and end', () => {
    const finished = {
      ...where,
      hostName: 'kvm1',
      stage: 'Maintenance',
      result: 'exited',
      exitCode: 0,
      durationMs: 1003
    } as const
    expect(renderEventLine({ type: 'stage.finished', data: finished }, 2500)).toBe(
      '[   2.5 s] kvm1 Maintenance finished: exited 0 in 1003 ms'
    )
    expect(
      renderEventLine(
        { type: 'stage.finished', data: { ...finished, result: 'timeout', exitCode: null, durationMs: 5 } },
        0
      )
    ).toContain('finished: timeout in 5 ms')
    expect(
      renderEventLine(
        {
          type: 'host.skipped',
          data: { ...where, hostName: 'kvm2', reason: 'Pre-flight stage set to avoid maintenance' }
        },
        0
      )
    ).toContain('kvm2 skipped: Pre-flight stage')
    expect(
      renderEventLine(
        {
          type: 'host.failed',
          data: { ...where, hostName: 'kvm3', stage: 'PreMaintenance', message: 'exit status 3' }
        },
        0
      )
    ).toContain('kvm3 FAILED in PreMaintenance: exit status 3')
    expect(renderEventLine({ type: 'run.started', data: { hosts: 6, clusters: 3 } }, 0)).toContain(
      'run started: 6 hosts in 3 clusters'
    )
    expect(renderEventLine({ type: 'run.finished', data: { status: 'cancelled', result } }, 0)).toContain(
      'run cancelled'
    )
  })

  it("one line per VM a maintenance driver moves: start, end with libvirt's downtime, failure", () => {
    const vm = { hostId: 'h1', hostName: 'kvm1', vm: 'web1', to: 'h2', toName: 'kvm2' }
    expect(renderEventLine({ type: 'vm.migrating', data: { ...vm, memoryMiB: 2048 } }, 0)).toBe(
      '[   0.0 s] kvm1 VM web1 (2048 MiB) -> kvm2: live migration started'
    )
    expect(renderEventLine({ type: 'vm.migrated', data: { ...vm, durationMs: 1234, downtimeMs: 68 } }, 0)).toBe(
      '[   0.0 s] kvm1 VM web1 -> kvm2: running there after 1.23 s, guest paused 68 ms'
    )
    expect(renderEventLine({ type: 'vm.migrated', data: { ...vm, durationMs: 900 } }, 0)).toContain(
      'running there after 0.90 s'
    )
    expect(
      renderEventLine(
        { type: 'vm.migration-failed', data: { ...vm, reason: 'failed to connect to the hypervisor' } },
        0
      )
    ).toContain(
      'VM web1 -> kvm2: migration FAILED, the VM keeps running where it was: failed to connect to the hypervisor'
    )
  })

  it('an event type this CLI does not know is not an event it renders', () => {
    expect(toRunEvent('1-0', 'something.new', {})).toBeUndefined()
    expect(toRunEvent('1-0', 'host.skipped', { hostId: 'h', hostName: 'kvm', reason: 'r' })?.type).toBe('host.skipped')
  })
})

describe('renderRunTable (rollmaint list)', () => {
  it('aligned columns under a header, hosts as done/total, no trailing blanks', () => {
    const done: RunView = { ...view, id: 'run-22', status: 'succeeded', progress: { ...view.progress, hostsDone: 6 } }
    expect(renderRunTable([done, view]).split('\n')).toEqual([
      'ID      STATUS     CREATED                   HOSTS',
      'run-22  succeeded  2026-11-25T09:59:58.000Z  6/6',
      'run-1   running    2026-11-25T09:59:58.000Z  2/6'
    ])
  })

  it('no runs: the header alone', () => {
    expect(renderRunTable([])).toBe('ID  STATUS  CREATED  HOSTS')
  })
})
