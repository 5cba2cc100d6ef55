import { describe, expect, it } from 'vitest'
import { buildFleetView, runCoversHost, vmCounts } from '../../shared/build-fleet-view.js'
import type { HostView, RunView } from '../../shared/run-view.js'
import { inventoryOf } from '../support/inventory-of.js'

const inventory = inventoryOf(
  {
    clusters: [
      {
        id: 'c1',
        name: 'cl1',
        hosts: [
          { id: 'h1', name: 'kvm1', address: '10.0.0.1' },
          { id: 'h2', name: 'kvm2', address: '10.0.0.2', enabled: false }
        ]
      },
      { id: 'c2', name: 'cl2', hosts: [{ id: 'h3', name: 'kvm3', address: '10.0.0.3' }] }
    ]
  },
  'fleet-view-test'
)
const hostView = (id: string, resourceState: HostView['resourceState'], extra: object = {}): HostView =>
  ({ id, name: id, zoneId: 'z1', podId: 'p1', clusterId: 'c1', hypervisor: 'KVM', resourceState, ...extra }) as HostView
const run = (
  id: string,
  status: RunView['status'],
  clusterIds: string[],
  request: Partial<RunView['request']>,
  current?: { host: string; stage: 'Maintenance' }
): RunView => ({
  id,
  status,
  request: { zoneids: [], podids: [], clusterids: [], hostids: [], forced: false, ...request },
  createdAt: '',
  progress: {
    hostsTotal: 1,
    hostsDone: 0,
    hostsUpdated: 0,
    hostsSkipped: 0,
    clusters: clusterIds.map((c) => ({
      clusterId: c,
      clusterName: c,
      hostsTotal: 1,
      hostsDone: 0,
      currentHostId: current?.host,
      currentStage: current?.stage
    })),
    failures: { count: 0, max: 0 }
  },
  audit: []
})

describe('fleet view', () => {
  it('is the inventory tree with resource states, VM counts where a driver read them, and the active run on what it covers', () => {
    const fleet = buildFleetView(
      inventory,
      [hostView('h1', 'Maintenance'), hostView('h3', 'Enabled')],
      [
        run('old', 'succeeded', ['c2'], { clusterids: ['c2'] }),
        run('r1', 'running', ['c1'], { hostids: ['h1'] }, { host: 'h1', stage: 'Maintenance' })
      ],
      vmCounts([{ readAt: '2026-01-01T00:00:00Z', hosts: [{ hostId: 'h1', vms: [{}, {}, {}] }] }])
    )
    const [zone] = fleet.zones
    expect(zone).toMatchObject({ id: 'z1', name: 'zone1', pods: [{ id: 'p1', name: 'pod1' }] })
    const [c1, c2] = zone!.pods[0]!.clusters
    expect(c1).toMatchObject({ id: 'c1', name: 'cl1', runId: 'r1' })
    expect(c1!.hosts).toEqual([
      {
        id: 'h1',
        name: 'kvm1',
        address: '10.0.0.1',
        hypervisor: 'KVM',
        enabled: true,
        resourceState: 'Maintenance',
        driver: 'none',
        vmCount: 3,
        vmsReadAt: '2026-01-01T00:00:00Z',
        runId: 'r1',
        stage: 'Maintenance'
      },
      // Not in the run's scope (hostids), and disabled in the inventory with no state recorded.
      {
        id: 'h2',
        name: 'kvm2',
        address: '10.0.0.2',
        hypervisor: 'KVM',
        enabled: false,
        resourceState: 'Disabled',
        driver: 'none',
        vmCount: undefined,
        vmsReadAt: undefined,
        runId: undefined,
        stage: undefined
      }
    ])
    // A finished run holds nothing.
    expect(c2).toMatchObject({
      id: 'c2',
      runId: undefined,
      hosts: [{ id: 'h3', resourceState: 'Enabled', runId: undefined }]
    })
  })

  it('a run covers a host through any id kind (the union, docs/user-guide.md#scope)', () => {
    const host = { id: 'h1', zoneId: 'z1', podId: 'p1', clusterId: 'c1' }
    for (const request of [{ zoneids: ['z1'] }, { podids: ['p1'] }, { clusterids: ['c1'] }, { hostids: ['h1'] }]) {
      expect(runCoversHost(run('r', 'running', ['c1'], request), host)).toBe(true)
    }
    expect(runCoversHost(run('r', 'running', ['c1'], { hostids: ['h2'], zoneids: ['z9'] }), host)).toBe(false)
  })
})
