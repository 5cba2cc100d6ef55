import { describe, expect, it } from 'vitest'
import { buildDryRunPlan, RUN_TIME_CHECK, type DryRunInput } from '../../service/build-dry-run-plan.js'
import { resolveScope } from '../../service/resolve-scope.js'
import type { HostResourceState, RunRequest } from '../../shared/types.js'
import { inventoryOf } from '../support/inventory-of.js'

const host = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  address: `${id}.lab`,
  hostKey: 'ssh-ed25519 AAAA',
  ...extra
})
const inventory = inventoryOf(
  {
    defaults: {},
    clusters: [
      {
        id: 'c1',
        name: 'cl1',
        gate: ['/usr/local/bin/ceph-ok', '{host.name}'],
        hosts: [host('a1'), host('a2'), host('a3', { hypervisor: 'XenServer' })]
      },
      { id: 'c2', name: 'cl2', gateTimeout: 60, hosts: [host('b1'), host('b2', { enabled: false })] },
      { id: 'c3', name: 'cl3', hosts: [host('d1'), host('d2')] }
    ]
  },
  'unit'
)

function input(over: Partial<RunRequest> = {}, rest: Partial<DryRunInput> = {}): DryRunInput {
  const request: RunRequest = { zoneids: [], podids: [], clusterids: ['c1', 'c2'], hostids: [], forced: false, ...over }
  return {
    inventory,
    request,
    scope: resolveScope(inventory, request),
    resourceStates: new Map(),
    activeRuns: new Map(),
    defaultTimeoutSec: 1800,
    maxParallelClusters: 4,
    now: new Date('2026-11-25T12:00:00Z'),
    ...rest
  }
}

describe('buildDryRunPlan', () => {
  it('forced: failed host checks are skipped with their reason, the rest maintained, in processing order', () => {
    const plan = buildDryRunPlan(input({ forced: true }))
    expect(plan).toMatchObject({ hostsTotal: 5, hostsToMaintain: 3, hostsToSkip: 2, wouldStart: true, problems: [] })
    expect(plan.clusters.map((c) => [c.clusterName, c.order, c.hosts.map((h) => `${h.hostName}:${h.action}`)])).toEqual(
      [
        ['cl1', 0, ['a1:maintain', 'a2:maintain', 'a3:skip']],
        ['cl2', 1, ['b1:maintain', 'b2:skip']]
      ]
    )
    expect(plan.clusters[0]!.hosts[0]!.reason).toBe(RUN_TIME_CHECK)
    expect(plan.clusters[0]!.hosts[2]!.reason).toMatch(/Unsupported hypervisor XenServer/)
    expect(plan.clusters[1]!.hosts[1]!.reason).toMatch(/not Enabled/)
    // gates come from the inventory, with the default timeout filled in
    expect(plan.clusters[0]).toMatchObject({ gate: ['/usr/local/bin/ceph-ok', '{host.name}'], gateTimeout: 1800 })
    expect(plan.clusters[1]!.gate).toBeUndefined()
    expect(plan.controls).toMatchObject({
      forced: true,
      maxFailures: null,
      soakSeconds: 0,
      timeout: 1800,
      maxParallelClusters: 4
    })
  })

  it('not forced, beyond maxFailures: the run would end at once; within the budget it starts', () => {
    const refused = buildDryRunPlan(input({ maxFailures: 1 }))
    expect(refused.wouldStart).toBe(false)
    expect(refused.problems[0]).toMatch(
      /2 hosts fail the host checks .* the run would end at once with success false and nothing done/
    )
    expect(refused.clusters[0]!.hosts[2]!.reason).toMatch(/the run would end at once/)
    const ok = buildDryRunPlan(input({ maxFailures: 2 }))
    expect(ok.wouldStart).toBe(true)
    expect(ok.controls.maxFailures).toBe(2)
  })

  it('a host already in maintenance (recorded resource state) is skipped', () => {
    const states = new Map<string, HostResourceState>([['d1', 'ErrorInMaintenance']])
    const plan = buildDryRunPlan(input({ clusterids: ['c3'], forced: true }, { resourceStates: states }))
    expect(plan.clusters[0]!.hosts.map((h) => [h.hostName, h.action, h.reason])).toEqual([
      ['d1', 'skip', 'Host is already in maintenance (resource state ErrorInMaintenance)'],
      ['d2', 'maintain', RUN_TIME_CHECK]
    ])
  })

  it('overlap with an active run: named per cluster, a real start would be refused', () => {
    const plan = buildDryRunPlan(input({ clusterids: ['c3'] }, { activeRuns: new Map([['c3', 'run-42']]) }))
    expect(plan.wouldStart).toBe(false)
    expect(plan.problems).toEqual(['cluster cl3 is in active run run-42: a real start would be refused (409)'])
    expect(plan.clusters[0]).toMatchObject({ activeRunId: 'run-42' })
    expect(plan.clusters[0]!.hosts.every((h) => h.action === 'skip' && /active run run-42/.test(h.reason))).toBe(true)
  })

  it('libvirt hosts carry the evacuation plan and the capacity verdict when known, "unknown" otherwise', () => {
    const drivers = new Map([
      ['d1', 'libvirt' as const],
      ['d2', 'libvirt' as const]
    ])
    const unknown = buildDryRunPlan(input({ clusterids: ['c3'] }, { drivers }))
    expect(unknown.clusters[0]!.maintenanceDriver).toBe('libvirt')
    expect(unknown.clusters[0]!.capacity).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/no SSH/) })
    expect(unknown.clusters[0]!.hosts[0]!.evacuation).toMatchObject({ verdict: 'unknown', migrations: [] })

    // The placement the libvirt driver last recorded: d1 runs vm1 (2 GiB), d2 has 4 GiB free (10 % reserve of 8 GiB kept).
    const load = (hostId: string, freeMiB: number, vms: Array<{ name: string; memoryMiB: number }>) => ({
      hostId,
      hostName: hostId,
      totalMiB: 8192,
      freeMiB,
      reserveMemoryPercent: 10,
      vms,
      eligible: true
    })
    const placements = new Map([
      [
        'c3',
        {
          readAt: '2026-11-25T11:00:00Z',
          hosts: [
            load('d1', 6144, [{ name: 'vm1', memoryMiB: 2048 }]),
            load('d2', 4096, [{ name: 'vm7', memoryMiB: 6000 }])
          ]
        }
      ]
    ])
    const known = buildDryRunPlan(input({ clusterids: ['c3'] }, { drivers, placements }))
    expect(known.clusters[0]!.hosts[0]!.evacuation).toMatchObject({
      verdict: 'fits',
      migrations: [{ vm: 'vm1', to: 'd2', toName: 'd2', memoryMiB: 2048 }]
    })
    // d2 must then go: its vm7 (6000 MiB) and the vm1 it received do not both fit on d1 with its reserve.
    expect(known.clusters[0]!.hosts[1]!.evacuation).toMatchObject({
      verdict: 'does-not-fit',
      reason: expect.stringMatching(/vm1/)
    })
    expect(known.clusters[0]!.capacity).toMatchObject({
      verdict: 'does-not-fit',
      reason: expect.stringMatching(/^cluster cl3 cannot evacuate host d2: .*read at 2026-11-25T11:00:00Z/)
    })
    expect(known.problems).toHaveLength(1)
    expect(known.problems[0]).toMatch(/^cluster cl3: cluster cl3 cannot evacuate host d2.*\(PreFlight would fail\)$/)
    // hosts of the none driver carry no evacuation
    expect(buildDryRunPlan(input({ clusterids: ['c3'] })).clusters[0]!.hosts[0]!.evacuation).toBeUndefined()
  })

  it('shows the window (open now or when it opens), canary and soak', () => {
    const plan = buildDryRunPlan(
      input({
        clusterids: ['c3'],
        canary: 1,
        soakSeconds: 300,
        timeout: 600,
        window: { days: ['sat'], start: '22:00', end: '05:00', timezone: 'Europe/Berlin' }
      })
    )
    expect(plan.controls).toMatchObject({ canary: 1, soakSeconds: 300, timeout: 600 })
    expect(plan.controls.window).toMatchObject({ openNow: false, opensAt: '2026-11-28T22:00:00+01:00' })
    expect(plan.problems).toEqual(['the window is closed now; the first host would start at 2026-11-28T22:00:00+01:00'])
    const open = buildDryRunPlan(
      input({ clusterids: ['c3'], window: { start: '12:00', end: '14:00', timezone: 'UTC' } })
    )
    expect(open.controls.window).toMatchObject({ openNow: true, closesAt: '2026-11-25T14:00:00Z' })
    expect(open.problems).toEqual([])
  })

  it('a canary covering every maintained host is pointed out', () => {
    expect(buildDryRunPlan(input({ clusterids: ['c3'], canary: 2 })).problems).toEqual([
      'canary 2 covers every host the run would maintain (2): it would never pause'
    ])
  })
})
