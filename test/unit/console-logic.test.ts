import { describe, expect, it } from 'vitest'
import type { FleetView } from '../../shared/fleet-view.js'
import { capabilitiesFromOpenApi, NO_CAPABILITIES, type Capabilities } from '../../ui/src/lib/capabilities.js'
import { describeEvent } from '../../ui/src/lib/event-text.js'
import { countByState, filterFleet } from '../../ui/src/lib/fleet-filter.js'
import { describeRequest, fleetNames } from '../../ui/src/lib/names.js'
import { localPlan, planView } from '../../ui/src/lib/plan.js'
import { runActions } from '../../ui/src/lib/run-actions.js'
import { describeScope, EMPTY_SCOPE, hostsInScope, toggleScope } from '../../ui/src/lib/scope.js'
import { buildStartBody, emptyStartForm } from '../../ui/src/lib/start-form.js'
import { formatDuration, spanGeometry, timelineBounds } from '../../ui/src/lib/timeline-geometry.js'

const host = (id: string, resourceState = 'Enabled', extra: object = {}) => ({
  id,
  name: `kvm-${id}`,
  address: `10.0.0.${id}`,
  hypervisor: 'KVM',
  enabled: true,
  resourceState,
  ...extra
})
const fleet: FleetView = {
  zones: [
    {
      id: 'z1',
      name: 'zone1',
      pods: [
        { id: 'p1', name: 'pod1', clusters: [{ id: 'c1', name: 'cl1', hosts: [host('1'), host('2', 'Maintenance')] }] }
      ]
    },
    {
      id: 'z2',
      name: 'zone2',
      pods: [
        {
          id: 'p2',
          name: 'pod2',
          clusters: [
            {
              id: 'c2',
              name: 'cl2',
              runId: 'run-123456789',
              hosts: [
                host('3', 'Enabled', { enabled: false, resourceState: 'Disabled' }),
                host('4', 'Enabled', { hypervisor: 'XenServer' })
              ]
            }
          ]
        }
      ]
    }
  ]
}
const ALL: Capabilities = {
  dryRun: true,
  maxFailures: true,
  canary: true,
  soakSeconds: true,
  window: true,
  pause: true,
  resume: true,
  retry: true
}

describe('console logic', () => {
  it('scope: any mix of kinds, the union of hosts, named from the fleet', () => {
    let s = toggleScope(EMPTY_SCOPE, 'zoneids', 'z1')
    s = toggleScope(s, 'hostids', '4')
    s = toggleScope(s, 'hostids', '1') // already covered by the zone: still once
    expect(hostsInScope(fleet, s).map((h) => h.id)).toEqual(['1', '2', '4'])
    expect(describeScope(fleet, s)).toBe('zone zone1, host kvm-1, host kvm-4')
    expect(toggleScope(s, 'zoneids', 'z1').zoneids).toEqual([])
  })

  it('start body: only what was set, numbers checked, unknown controls never sent', () => {
    const scope = toggleScope(EMPTY_SCOPE, 'clusterids', 'c1')
    const form = {
      ...emptyStartForm('Europe/Berlin'),
      forced: true,
      timeout: '600',
      payload: 'kernel=6.1',
      maxFailures: '2',
      canary: '1',
      soakSeconds: '30',
      windowOn: true,
      windowDays: ['sat', 'sun']
    }
    expect(buildStartBody(scope, form, ALL)).toEqual({
      body: {
        clusterids: ['c1'],
        forced: true,
        timeout: 600,
        payload: 'kernel=6.1',
        maxFailures: 2,
        canary: 1,
        soakSeconds: 30,
        window: { days: ['sat', 'sun'], start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
      }
    })
    expect(buildStartBody(scope, form, NO_CAPABILITIES)).toEqual({
      body: { clusterids: ['c1'], forced: true, timeout: 600, payload: 'kernel=6.1' }
    })
    expect(buildStartBody(EMPTY_SCOPE, form, ALL)).toEqual({ error: expect.stringMatching(/Pick at least one/) })
    expect(buildStartBody(scope, { ...form, timeout: '0' }, ALL)).toEqual({
      error: 'Stage timeout must be between 1 and 604800'
    })
    expect(buildStartBody(scope, { ...form, canary: 'two' }, ALL)).toEqual({
      error: 'Canary hosts must be a whole number'
    })
    expect(buildStartBody(scope, { ...form, payload: 'x'.repeat(65_537) }, ALL)).toEqual({
      error: 'Payload must be at most 64 KiB.'
    })
    expect(buildStartBody(scope, { ...form, windowStart: '25:00' }, ALL)).toEqual({
      error: expect.stringMatching(/times like 22:00/)
    })
  })

  it("capabilities come from the server's OpenAPI document", () => {
    const doc = {
      paths: {
        '/api/v1/rolling-maintenance': {
          post: {
            requestBody: {
              content: {
                'application/json': { schema: { type: 'object', properties: { zoneids: {}, dryRun: {}, canary: {} } } }
              }
            }
          }
        },
        '/api/v1/rolling-maintenance/{id}/pause': { post: {} },
        '/api/v1/rolling-maintenance/{id}/cancel': { post: {} }
      }
    }
    expect(capabilitiesFromOpenApi(doc)).toEqual({ ...NO_CAPABILITIES, dryRun: true, canary: true, pause: true })
    expect(capabilitiesFromOpenApi(undefined)).toEqual(NO_CAPABILITIES)
  })

  it('run actions: none for a readonly key; by status, and only those the server has', () => {
    const run = (status: string, skipped = 0) =>
      ({
        status,
        result: {
          rollingmaintenance: {
            details: '',
            hostsupdated: [],
            success: true,
            hostsskipped: Array.from({ length: skipped }, () => ({ hostid: 'h', hostname: 'h', reason: 'x' }))
          }
        }
      }) as never
    for (const status of ['queued', 'running', 'paused', 'failed', 'cancelled', 'succeeded'])
      expect(runActions('readonly', run(status), ALL)).toEqual([])
    expect(runActions('admin', run('running'), ALL)).toEqual(['pause', 'cancel'])
    expect(runActions('admin', run('running'), NO_CAPABILITIES)).toEqual(['cancel'])
    expect(runActions('admin', run('paused'), ALL)).toEqual(['resume', 'cancel'])
    expect(runActions('admin', run('failed'), ALL)).toEqual(['retry'])
    expect(runActions('admin', run('failed'), NO_CAPABILITIES)).toEqual([])
    expect(runActions('admin', run('succeeded'), ALL)).toEqual([])
    expect(runActions('admin', run('succeeded', 1), ALL)).toEqual(['retry'])
  })

  it('fleet filter by state and text keeps the tree, drops empty branches; counts per state', () => {
    expect(
      filterFleet(fleet, 'Maintenance', '').zones.map((z) => z.pods[0]!.clusters[0]!.hosts.map((h) => h.id))
    ).toEqual([['2']])
    expect(filterFleet(fleet, '', '10.0.0.4').zones[0]!.id).toBe('z2')
    expect(filterFleet(fleet, 'ErrorInMaintenance', '').zones).toEqual([])
    expect(filterFleet(fleet, '', '')).toBe(fleet)
    expect(Object.fromEntries(countByState(fleet))).toEqual({ Enabled: 2, Maintenance: 1, Disabled: 1 })
  })

  it("plans: the server's dry run (shared/dry-run-plan.ts) read defensively, and a local preview of the host checks", () => {
    const reply = {
      plan: {
        hostsTotal: 2,
        hostsToMaintain: 1,
        hostsToSkip: 1,
        wouldStart: false,
        problems: ['cluster cl1 is held by run 12345678'],
        controls: {
          forced: false,
          maxFailures: 0,
          soakSeconds: 0,
          timeout: 1800,
          window: {
            start: '22:00',
            end: '05:00',
            timezone: 'UTC',
            openNow: false,
            opensAt: '2026-11-25T22:00:00+00:00'
          }
        },
        clusters: [
          {
            clusterId: 'c1',
            clusterName: 'cl1',
            order: 0,
            activeRunId: '12345678-aaaa',
            gate: ['check-ceph', '--healthy'],
            maintenanceDriver: 'libvirt',
            capacity: { verdict: 'does-not-fit', reason: 'needs 8 GiB, 4 GiB free' },
            hosts: [
              {
                hostId: 'h1',
                hostName: 'kvm-1',
                action: 'maintain',
                reason: '',
                maintenanceDriver: 'libvirt',
                evacuation: { verdict: 'fits', reason: '', migrations: [{ vm: 'vm1', to: 'h2', toName: 'kvm-2' }] }
              },
              {
                hostId: 'h9',
                action: 'skip',
                reason: 'disabled',
                maintenanceDriver: 'libvirt',
                evacuation: { verdict: 'does-not-fit', reason: 'vm7 needs 16 GiB', migrations: [] }
              }
            ]
          }
        ]
      }
    }
    expect(planView(reply)).toEqual({
      wouldStart: false,
      problems: ['cluster cl1 is held by run 12345678'],
      summary: '2 hosts: 1 to maintain, 1 to skip · window closed, opens 2026-11-25T22:00:00+00:00',
      clusters: [
        {
          clusterName: 'cl1',
          note: 'capacity does not fit: needs 8 GiB, 4 GiB free · held by run 12345678 · gate: check-ceph --healthy · driver libvirt',
          hosts: [
            { hostName: 'kvm-1', action: 'maintain', reason: '', evacuation: 'vm1 → kvm-2' },
            { hostName: 'h9', action: 'skip', reason: 'disabled', evacuation: 'vm7 needs 16 GiB' }
          ]
        }
      ]
    })
    expect(planView({})).toEqual({ wouldStart: undefined, problems: [], summary: '', clusters: [] })
    const local = localPlan(fleet, { ...EMPTY_SCOPE, zoneids: ['z1', 'z2'] })
    expect(local.summary).toBe('4 hosts: 1 to maintain, 3 to skip')
    expect(
      local.clusters.map((c) => [c.clusterName, c.note, c.hosts.map((h) => `${h.hostName}:${h.action}:${h.reason}`)])
    ).toEqual([
      ['cl1', '', ['kvm-1:maintain:', 'kvm-2:skip:already in Maintenance']],
      [
        'cl2',
        'held by run run-1234: starting will be refused',
        ['kvm-3:skip:host is disabled', 'kvm-4:skip:hypervisor XenServer, not KVM']
      ]
    ])
  })

  it('events in plain words, unknown types included', () => {
    expect(
      describeEvent({
        type: 'stage.finished',
        data: { hostName: 'kvm1', stage: 'Maintenance', result: 'exited', exitCode: 0, durationMs: 2500 }
      })
    ).toBe('kvm1: Maintenance succeeded (exit 0, 2.5 s)')
    expect(
      describeEvent({
        type: 'stage.finished',
        data: { hostName: 'kvm1', stage: 'PreFlight', result: 'exited', exitCode: 70, durationMs: 10 }
      })
    ).toBe('kvm1: PreFlight says nothing to do (exit 70, 10 ms)')
    expect(
      describeEvent({ type: 'host.failed', data: { hostName: 'kvm1', stage: 'Maintenance', message: 'exit 1' } })
    ).toBe('kvm1 failed in Maintenance: exit 1')
    expect(describeEvent({ type: 'run.paused', data: { reason: 'canary' } })).toBe('Run paused (canary)')
    expect(
      describeEvent({ type: 'gate.waiting', data: { clusterId: 'c1', hostName: 'kvm1', attempts: 2, exitCode: 1 } })
    ).toBe('kvm1: gate not passed yet (try 2, exit 1)')
    expect(describeEvent({ type: 'something.new', data: { clusterId: 'c1', attempt: 2 } })).toBe(
      'something.new: attempt=2'
    )
  })

  it('time line geometry and durations', () => {
    const lanes = [
      {
        hostId: 'h',
        hostName: 'h',
        clusterId: 'c',
        status: 'active' as const,
        stages: [
          {
            stage: 'PreFlight',
            startedAt: '2026-01-01T00:00:00Z',
            finishedAt: '2026-01-01T00:00:10Z',
            outcome: 'ok' as const
          },
          { stage: 'Maintenance', startedAt: '2026-01-01T00:00:50Z', outcome: 'running' as const }
        ]
      }
    ]
    const now = Date.parse('2026-01-01T00:01:40Z')
    const b = timelineBounds(lanes, now)!
    expect(b.end - b.start).toBe(100_000)
    expect(spanGeometry(lanes[0]!.stages[0]!, b, now)).toEqual({ left: 0, width: 10 })
    expect(spanGeometry(lanes[0]!.stages[1]!, b, now)).toEqual({ left: 50, width: 50 })
    expect(timelineBounds([], now)).toBeUndefined()
    expect([
      formatDuration(-5),
      formatDuration(850),
      formatDuration(12_340),
      formatDuration(245_000),
      formatDuration(7_380_000)
    ]).toEqual(['0 ms', '850 ms', '12.3 s', '4 min 05 s', '2 h 03 min'])
  })

  it("run scope in words from the fleet's names", () => {
    expect(
      describeRequest({ zoneids: ['z1', 'z2'], podids: [], clusterids: ['c1'], hostids: ['gone'] }, fleetNames(fleet))
    ).toBe('zones zone1, zone2 · cluster cl1 · host gone')
  })
})
