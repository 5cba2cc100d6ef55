import { describe, expect, it } from 'vitest'
import { buildRunView } from '../../shared/build-run-view.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import { buildInventory } from '../../shared/load-inventory.js'
import type { RunSnapshot } from '../../shared/store/get-run-snapshot.js'
import type { RunRecord } from '../../shared/store/run-record.js'
import type { RollingMaintenanceResult } from '../../shared/types.js'

const host = (id: string): Record<string, unknown> => ({ id, name: `kvm-${id}`, address: `${id}.example` })

/** c1: a1 a2 a3, c2: b1 b2 b3, c3: x1 (not in the run). */
const inventory = buildInventory(
  {
    defaults: { knownHostsPath: '/keys/known_hosts' },
    zones: [
      {
        id: 'z1',
        name: 'zone1',
        pods: [
          {
            id: 'p1',
            name: 'pod1',
            clusters: [
              { id: 'c1', name: 'cluster1', hosts: [host('a1'), host('a2'), host('a3')] },
              { id: 'c2', name: 'cluster2', hosts: [host('b1'), host('b2'), host('b3')] },
              { id: 'c3', name: 'cluster3', hosts: [host('x1')] },
            ],
          },
        ],
      },
    ],
  },
  'inventory.yaml',
)

function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    status: 'running',
    request: { zoneids: [], podids: [], clusterids: ['c1', 'c2'], hostids: [], forced: false },
    createdAt: '2020-03-12T12:40:00.000Z',
    startedAt: '2020-03-12T12:40:01.000Z',
    hostIds: ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'],
    clusterIds: ['c1', 'c2'],
    ...over,
  }
}

function state(id: string, clusterId: string, over: Partial<HostRunState> = {}): HostRunState {
  return { hostId: id, hostName: `kvm-${id}`, clusterId, phase: 'ready', ...over }
}

const upd = (seq: number): HostRunState['updated'] => ({ startdate: 's', enddate: 'e', output: '', seq })

describe('spec 5 run view: id, status, request, dates, progress, result', () => {
  it('copies the run fields and leaves result undefined while running', () => {
    const view = buildRunView({ run: run(), hosts: [] }, inventory)
    expect(view).toMatchObject({
      id: 'run-1',
      status: 'running',
      request: { clusterids: ['c1', 'c2'], forced: false },
      createdAt: '2020-03-12T12:40:00.000Z',
      startedAt: '2020-03-12T12:40:01.000Z',
    })
    expect(view.finishedAt).toBeUndefined()
    expect(view.result).toBeUndefined()
  })

  it('a queued run with no host records: totals from the run, nothing done', () => {
    const view = buildRunView({ run: run({ status: 'queued', startedAt: undefined }), hosts: [] }, inventory)
    expect(view.progress).toEqual({
      hostsTotal: 6,
      hostsDone: 0,
      hostsUpdated: 0,
      hostsSkipped: 0,
      clusters: [
        { clusterId: 'c1', clusterName: 'cluster1', hostsTotal: 3, hostsDone: 0, currentHostId: undefined, currentHostName: undefined, currentStage: undefined },
        { clusterId: 'c2', clusterName: 'cluster2', hostsTotal: 3, hostsDone: 0, currentHostId: undefined, currentHostName: undefined, currentStage: undefined },
      ],
    })
  })
})

describe('spec 5 progress: totals and, per cluster, the current host and stage', () => {
  const snapshot: RunSnapshot = {
    run: run(),
    hosts: [
      state('a1', 'c1', { phase: 'done', updated: upd(1) }),
      state('a2', 'c1', { phase: 'Maintenance', startdate: 's' }),
      state('a3', 'c1'),
      state('b1', 'c2', { phase: 'done', skipped: { reason: 'Pre-flight stage set to avoid maintenance', seq: 0 } }),
      state('b2', 'c2', { phase: 'done', updated: upd(2) }),
      state('b3', 'c2', { phase: 'PostMaintenance', updated: upd(3) }),
    ],
  }
  const view = buildRunView(snapshot, inventory)

  it('counts hosts done, updated (live, before the run ends) and skipped', () => {
    expect(view.progress.hostsTotal).toBe(6)
    expect(view.progress.hostsDone).toBe(3)
    expect(view.progress.hostsUpdated).toBe(3)
    expect(view.progress.hostsSkipped).toBe(1)
    expect(view.result).toBeUndefined()
  })

  it('names each cluster with its totals, current host and stage, in run order', () => {
    expect(view.progress.clusters).toEqual([
      { clusterId: 'c1', clusterName: 'cluster1', hostsTotal: 3, hostsDone: 1, currentHostId: 'a2', currentHostName: 'kvm-a2', currentStage: 'Maintenance' },
      { clusterId: 'c2', clusterName: 'cluster2', hostsTotal: 3, hostsDone: 2, currentHostId: 'b3', currentHostName: 'kvm-b3', currentStage: 'PostMaintenance' },
    ])
  })

  it.each(['PreFlight', 'PreMaintenance', 'EnterMaintenance', 'Maintenance', 'ExitMaintenance', 'PostMaintenance'] as const)(
    'phase %s is shown as the current stage',
    (phase) => {
      const v = buildRunView({ run: run(), hosts: [state('a1', 'c1', { phase: 'done' }), state('a2', 'c1', { phase })] }, inventory)
      expect(v.progress.clusters[0]).toMatchObject({ currentHostId: 'a2', currentStage: phase })
    },
  )

  it.each(['pending', 'ready', 'done'] as const)('phase %s is not current', (phase) => {
    const v = buildRunView({ run: run(), hosts: [state('a1', 'c1', { phase })] }, inventory)
    expect(v.progress.clusters[0]!.currentHostId).toBeUndefined()
    expect(v.progress.clusters[0]!.currentStage).toBeUndefined()
  })

  it('only hosts of the run count towards a cluster, even when the cluster has more', () => {
    const v = buildRunView(
      { run: run({ hostIds: ['a2', 'b1'], clusterIds: ['c1', 'c2'] }), hosts: [state('a2', 'c1', { phase: 'done' }), state('b1', 'c2')] },
      inventory,
    )
    expect(v.progress.hostsTotal).toBe(2)
    expect(v.progress.clusters.map((c) => [c.clusterId, c.hostsTotal, c.hostsDone])).toEqual([
      ['c1', 1, 1],
      ['c2', 1, 0],
    ])
  })

  it('a cluster no longer in the inventory is shown by its id', () => {
    const v = buildRunView({ run: run({ hostIds: [], clusterIds: ['gone'] }), hosts: [] }, inventory)
    expect(v.progress.clusters).toEqual([
      { clusterId: 'gone', clusterName: 'gone', hostsTotal: 0, hostsDone: 0, currentHostId: undefined, currentHostName: undefined, currentStage: undefined },
    ])
  })
})

describe('spec 5 a finished run shows the stored spec-4 result', () => {
  it('uses the stored result for the counts and returns it', () => {
    const stored: RollingMaintenanceResult = {
      rollingmaintenance: {
        details: 'OK',
        hostsskipped: [{ hostid: 'b1', hostname: 'kvm-b1', reason: 'There is no maintenance script on the host' }],
        hostsupdated: [{ hostid: 'a1', hostname: 'kvm-a1', startdate: 's', enddate: 'e', output: '' }],
        success: true,
      },
    }
    const v = buildRunView(
      {
        run: run({ status: 'succeeded', finishedAt: '2020-03-12T13:00:00.000Z', hostIds: ['a1', 'b1'], result: stored }),
        hosts: [state('a1', 'c1', { phase: 'done', updated: upd(1) }), state('b1', 'c2', { phase: 'done', skipped: { reason: 'r', seq: 2 } })],
      },
      inventory,
    )
    expect(v.status).toBe('succeeded')
    expect(v.finishedAt).toBe('2020-03-12T13:00:00.000Z')
    expect(v.result).toBe(stored)
    expect(v.progress).toMatchObject({ hostsTotal: 2, hostsDone: 2, hostsUpdated: 1, hostsSkipped: 1 })
  })
})
