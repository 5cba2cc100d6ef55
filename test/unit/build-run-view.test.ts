import { describe, expect, it } from 'vitest'
import { buildRunView } from '../../service/build-run-view.js'
import { initialProgressFields, parseRunProgress } from '../../store/run/run-progress.js'
import type { RunSummary } from '../../store/run/get-run-summary.js'
import type { RollingMaintenanceResult } from '../../shared/types.js'
import { inventoryOf } from '../support/inventory-of.js'

const host = (id: string) => ({ id, name: `kvm-${id}`, address: `${id}.example` })

/** c1: a1 a2 a3, c2: b1 b2 b3, c3: x1 (not in the run). */
const inventory = inventoryOf(
  {
    defaults: { knownHostsPath: '/keys/known_hosts' },
    clusters: [
      { id: 'c1', name: 'cluster1', hosts: [host('a1'), host('a2'), host('a3')] },
      { id: 'c2', name: 'cluster2', hosts: [host('b1'), host('b2'), host('b3')] },
      { id: 'c3', name: 'cluster3', hosts: [host('x1')] }
    ]
  },
  'inventory.yaml'
)

/** A running run over c1 and c2; `progress` is the stored counter hash. */
function summary(progress: Record<string, string> = {}, over: Partial<Omit<RunSummary, 'progress'>> = {}): RunSummary {
  return {
    id: 'run-1',
    status: 'running',
    request: { zoneids: [], podids: [], clusterids: ['c1', 'c2'], hostids: [], forced: false },
    createdAt: '2020-03-12T12:40:00.000Z',
    startedAt: '2020-03-12T12:40:01.000Z',
    clusterIds: ['c1', 'c2'],
    audit: [],
    failures: 0,
    canaryDone: false,
    ...over,
    progress: parseRunProgress({ ...initialProgressFields(['c1', 'c1', 'c1', 'c2', 'c2', 'c2']), ...progress })
  }
}

const active = (h: string, p: string): string => JSON.stringify({ h, p })

describe('run view: id, status, request, dates, progress, result (docs/api.md)', () => {
  it('copies the run fields and leaves result undefined while running', () => {
    const view = buildRunView(summary(), inventory)
    expect(view).toMatchObject({
      id: 'run-1',
      status: 'running',
      request: { clusterids: ['c1', 'c2'], forced: false },
      createdAt: '2020-03-12T12:40:00.000Z',
      startedAt: '2020-03-12T12:40:01.000Z'
    })
    expect(view.finishedAt).toBeUndefined()
    expect(view.result).toBeUndefined()
  })

  it('a queued run: totals from the counters written with the run, nothing done', () => {
    const view = buildRunView(summary({}, { status: 'queued', startedAt: undefined }), inventory)
    expect(view.progress).toEqual({
      hostsTotal: 6,
      hostsDone: 0,
      hostsUpdated: 0,
      hostsSkipped: 0,
      clusters: [
        {
          clusterId: 'c1',
          clusterName: 'cluster1',
          hostsTotal: 3,
          hostsDone: 0,
          currentHostId: undefined,
          currentHostName: undefined,
          currentStage: undefined
        },
        {
          clusterId: 'c2',
          clusterName: 'cluster2',
          hostsTotal: 3,
          hostsDone: 0,
          currentHostId: undefined,
          currentHostName: undefined,
          currentStage: undefined
        }
      ],
      failures: { count: 0, max: 0 }
    })
  })
})

describe('progress: totals and, per cluster, the current host and stage (docs/api.md)', () => {
  const view = buildRunView(
    summary({
      done: '3',
      updated: '3',
      skipped: '1',
      'done:c1': '1',
      'done:c2': '2',
      'active:c1': active('a2', 'Maintenance'),
      'active:c2': active('b3', 'PostMaintenance')
    }),
    inventory
  )

  it('counts hosts done, updated (live, before the run ends) and skipped', () => {
    expect(view.progress).toMatchObject({ hostsTotal: 6, hostsDone: 3, hostsUpdated: 3, hostsSkipped: 1 })
    expect(view.result).toBeUndefined()
  })

  it('names each cluster with its totals, current host (by inventory name) and stage, in run order', () => {
    expect(view.progress.clusters).toEqual([
      {
        clusterId: 'c1',
        clusterName: 'cluster1',
        hostsTotal: 3,
        hostsDone: 1,
        currentHostId: 'a2',
        currentHostName: 'kvm-a2',
        currentStage: 'Maintenance'
      },
      {
        clusterId: 'c2',
        clusterName: 'cluster2',
        hostsTotal: 3,
        hostsDone: 2,
        currentHostId: 'b3',
        currentHostName: 'kvm-b3',
        currentStage: 'PostMaintenance'
      }
    ])
  })

  it('hosts in PreFlight (side by side) show the stage without a host; a host in its cycle wins', () => {
    const v = buildRunView(
      summary({ 'preflight:c1': '3', 'preflight:c2': '1', 'active:c2': active('b1', 'PreMaintenance') }),
      inventory
    )
    expect(v.progress.clusters.map((c) => [c.currentHostId, c.currentStage])).toEqual([
      [undefined, 'PreFlight'],
      ['b1', 'PreMaintenance']
    ])
  })

  it('a cluster no longer in the inventory is shown by its id; an unknown host by its id', () => {
    const v = buildRunView(summary({ 'active:gone': active('h9', 'Maintenance') }, { clusterIds: ['gone'] }), inventory)
    expect(v.progress.clusters).toEqual([
      {
        clusterId: 'gone',
        clusterName: 'gone',
        hostsTotal: 0,
        hostsDone: 0,
        currentHostId: 'h9',
        currentHostName: 'h9',
        currentStage: 'Maintenance'
      }
    ])
  })
})

describe('a finished run shows the stored result (docs/api.md#the-result)', () => {
  it('uses the stored result for the counts and returns it', () => {
    const stored: RollingMaintenanceResult = {
      rollingmaintenance: {
        details: 'OK',
        hostsskipped: [{ hostid: 'b1', hostname: 'kvm-b1', reason: 'There is no maintenance script on the host' }],
        hostsupdated: [{ hostid: 'a1', hostname: 'kvm-a1', startdate: 's', enddate: 'e', output: '' }],
        success: true
      }
    }
    const v = buildRunView(
      summary(
        { done: '2', updated: '1', skipped: '0' },
        { status: 'succeeded', finishedAt: '2020-03-12T13:00:00.000Z', result: stored }
      ),
      inventory
    )
    expect(v.status).toBe('succeeded')
    expect(v.finishedAt).toBe('2020-03-12T13:00:00.000Z')
    expect(v.result).toBe(stored)
    expect(v.progress).toMatchObject({ hostsTotal: 6, hostsDone: 2, hostsUpdated: 1, hostsSkipped: 1 })
  })
})

describe('progress counters as stored', () => {
  it('initial fields: the number of hosts and a total per cluster', () => {
    expect(initialProgressFields(['c1', 'c2', 'c1'])).toEqual({ hosts: '3', 'total:c1': '2', 'total:c2': '1' })
    expect(initialProgressFields([])).toEqual({ hosts: '0' })
  })

  it('parses counters, keeps cluster ids that contain colons, and ignores junk', () => {
    const p = parseRunProgress({
      hosts: '4',
      done: '2',
      'total:a:b': '4',
      'done:a:b': '2',
      'active:a:b': 'not json',
      'preflight:a:b': '-1',
      other: 'x'
    })
    expect(p).toMatchObject({ hosts: 4, done: 2, updated: 0, skipped: 0 })
    expect(p.clusters.get('a:b')).toEqual({ total: 4, done: 2, preflight: 0 })
  })
})

describe('operator controls in the run view (docs/api.md#operator-controls)', () => {
  const NOW = new Date('2026-11-25T12:00:00Z')

  it('paused by an operator: status, pause state and a message; the audit is shown as recorded', () => {
    const audit = [
      { action: 'started' as const, by: 'ops', at: '2026-11-25T11:00:00.000Z' },
      { action: 'paused' as const, by: 'alice', at: '2026-11-25T11:30:00.000Z' }
    ]
    const view = buildRunView(
      summary(
        {},
        { status: 'paused', paused: { reason: 'operator', by: 'alice', at: '2026-11-25T11:30:00.000Z' }, audit }
      ),
      inventory,
      NOW
    )
    expect(view.status).toBe('paused')
    expect(view.progress.paused).toEqual({ reason: 'operator', by: 'alice', at: '2026-11-25T11:30:00.000Z' })
    expect(view.progress.message).toBe('paused by alice')
    expect(view.audit).toEqual(audit)
  })

  it('paused after the canary: the message says how many hosts were updated', () => {
    const view = buildRunView(
      summary(
        { updated: '2' },
        {
          status: 'paused',
          paused: { reason: 'canary', at: 'x' },
          canaryDone: true,
          request: { zoneids: [], podids: [], clusterids: ['c1', 'c2'], hostids: [], forced: false, canary: 2 }
        }
      ),
      inventory,
      NOW
    )
    expect(view.progress.message).toBe('paused after the canary: 2 hosts updated; resume to go on')
    expect(view.progress.canary).toEqual({ size: 2, reached: true })
  })

  it("waiting for the window: per cluster and in the message, with the opening time in the window's zone", () => {
    const window = { start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
    const wait = JSON.stringify({ kind: 'window', opensAt: '2026-11-25T22:00:00+01:00' })
    const view = buildRunView(
      summary(
        { 'wait:c1': wait, 'wait:c2': wait },
        {
          request: {
            zoneids: [],
            podids: [],
            clusterids: ['c1', 'c2'],
            hostids: [],
            forced: false,
            window,
            maxFailures: 2
          }
        }
      ),
      inventory,
      NOW
    )
    expect(view.progress.window).toEqual({ open: false, opensAt: '2026-11-25T22:00:00+01:00', closesAt: undefined })
    expect(view.progress.message).toBe('waiting for window, opens 2026-11-25T22:00:00+01:00')
    expect(view.progress.clusters[0]!.waiting).toEqual({ kind: 'window', opensAt: '2026-11-25T22:00:00+01:00' })
    expect(view.progress.failures).toEqual({ count: 0, max: 2 })
  })

  it('a wait is not shown for a cluster whose host is in its cycle, nor once the run ended', () => {
    const soak = JSON.stringify({ kind: 'soak', until: '2026-11-25T12:01:00.000Z' })
    const busy = buildRunView(summary({ 'wait:c1': soak, 'active:c1': active('a2', 'Maintenance') }), inventory, NOW)
    expect(busy.progress.clusters[0]!.waiting).toBeUndefined()
    const idle = buildRunView(summary({ 'wait:c1': soak }), inventory, NOW)
    expect(idle.progress.clusters[0]!.waiting).toEqual({ kind: 'soak', until: '2026-11-25T12:01:00.000Z' })
    const gate = JSON.stringify({
      kind: 'gate',
      since: 'a',
      attempts: 3,
      lastExitCode: 1,
      output: 'HEALTH_WARN',
      giveUpAt: 'b'
    })
    expect(buildRunView(summary({ 'wait:c2': gate }), inventory, NOW).progress.message).toBe(
      'cluster cluster2: gate waiting'
    )
  })

  it('forced: failures are unlimited (max null)', () => {
    const view = buildRunView(
      summary({}, { failures: 4, request: { zoneids: [], podids: [], clusterids: ['c1'], hostids: [], forced: true } }),
      inventory,
      NOW
    )
    expect(view.progress.failures).toEqual({ count: 4, max: null })
  })
})
