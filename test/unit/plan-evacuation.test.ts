import { describe, expect, it } from 'vitest'
import type { ClusterHostLoad, HostCapacity } from '../../shared/host-capacity.js'
import { planClusterEvacuation, planEvacuation, usableMiB } from '../../workers/maintenance/plan-evacuation.js'

const target = (id: string, freeMiB: number, totalMiB = 10_000, reserveMemoryPercent = 10): HostCapacity => ({
  hostId: id,
  hostName: id,
  totalMiB,
  freeMiB,
  reserveMemoryPercent
})
const host = { id: 'h1', name: 'h1' }

describe('planEvacuation (docs/inventory.md#libvirt: largest VMs first, by free memory minus the reserve)', () => {
  it("the reserve is a percentage of each target's total memory, never planned into", () => {
    expect(usableMiB(target('t', 5000, 10_000, 10))).toBe(4000)
    expect(usableMiB(target('t', 500, 10_000, 10))).toBe(-500)
  })

  it('places the largest VM first, each onto the target with the most room left', () => {
    const plan = planEvacuation({
      host,
      vms: [
        { name: 'small', memoryMiB: 512 },
        { name: 'big', memoryMiB: 4096 },
        { name: 'mid', memoryMiB: 2048 }
      ],
      targets: [target('h2', 6000), target('h3', 5000)]
    })
    // usable: h2 5000, h3 4000 → big→h2 (904 left), mid→h3 (1952 left), small→h3
    expect(plan).toEqual({
      verdict: 'fits',
      migrations: [
        { vm: 'big', memoryMiB: 4096, to: 'h2', toName: 'h2' },
        { vm: 'mid', memoryMiB: 2048, to: 'h3', toName: 'h3' },
        { vm: 'small', memoryMiB: 512, to: 'h3', toName: 'h3' }
      ]
    })
  })

  it('ties go to the earlier host in inventory order, so every worker plans the same', () => {
    const plan = planEvacuation({
      host,
      vms: [{ name: 'a', memoryMiB: 100 }],
      targets: [target('h3', 3000), target('h2', 3000)]
    })
    expect(plan.migrations[0]!.to).toBe('h3')
  })

  it('a VM that fits nowhere: names the VM, the memory needed and the most free (after the reserve)', () => {
    const plan = planEvacuation({
      host,
      vms: [
        { name: 'db', memoryMiB: 8192 },
        { name: 'web', memoryMiB: 1024 }
      ],
      targets: [target('h2', 3000), target('h3', 7000)]
    })
    expect(plan.verdict).toBe('does-not-fit')
    if (plan.verdict !== 'does-not-fit') return
    expect(plan.vm).toBe('db')
    expect(plan.neededMiB).toBe(8192)
    expect(plan.mostFreeMiB).toBe(6000)
    expect(plan.mostFreeHost).toBe('h3')
    expect(plan.reason).toBe(
      'VM db of host h1 needs 8192 MiB; the most free on another host is 6000 MiB (h3, after its 10% reserve)'
    )
  })

  it('counts what the plan already placed: two VMs that each fit alone but not together', () => {
    const plan = planEvacuation({
      host,
      vms: [
        { name: 'a', memoryMiB: 600 },
        { name: 'b', memoryMiB: 600 }
      ],
      targets: [target('h2', 2000, 10_000, 10)]
    })
    expect(plan.verdict).toBe('does-not-fit')
    if (plan.verdict === 'does-not-fit') {
      expect(plan.migrations).toEqual([{ vm: 'a', memoryMiB: 600, to: 'h2', toName: 'h2' }])
      expect(plan.vm).toBe('b')
      expect(plan.mostFreeMiB).toBe(400)
    }
  })

  it('no target at all', () => {
    const plan = planEvacuation({ host, vms: [{ name: 'a', memoryMiB: 1 }], targets: [] })
    expect(plan).toMatchObject({
      verdict: 'does-not-fit',
      mostFreeMiB: 0,
      reason: 'VM a of host h1 needs 1 MiB and there is no other eligible host to move it to'
    })
  })

  it('an empty host fits trivially', () => {
    expect(planEvacuation({ host, vms: [], targets: [] })).toEqual({ verdict: 'fits', migrations: [] })
  })
})

describe('planClusterEvacuation (docs/inventory.md#capacity-check: every host of the run evacuable onto the others, in order)', () => {
  const h = (id: string, freeMiB: number, vms: Array<[string, number]>, eligible = true): ClusterHostLoad => ({
    ...target(id, freeMiB, 4000, 0),
    vms: vms.map(([name, memoryMiB]) => ({ name, memoryMiB })),
    eligible
  })

  it('fits: the simulation moves VMs, so later hosts carry what earlier ones received', () => {
    const plan = planClusterEvacuation({
      clusterName: 'c1',
      hosts: [h('h1', 1000, [['a', 600]]), h('h2', 700, [['b', 300]]), h('h3', 700, [])],
      evacuate: ['h1', 'h2', 'h3']
    })
    expect(plan.verdict).toBe('fits')
    expect(plan.reason).toBe('OK')
    // h1: a→h2 (700 each, h2 first); h1 now has 1600 free. h2 then holds a and b: both to h1, the
    // host with the most room; h3 received nothing and has nothing to move.
    expect(plan.hosts.map((x) => x.plan.migrations.map((m) => `${m.vm}->${m.to}`))).toEqual([
      ['a->h2'],
      ['a->h1', 'b->h1'],
      []
    ])
  })

  it('does not fit: names the cluster and the host; other verdicts are still given', () => {
    const plan = planClusterEvacuation({
      clusterName: 'c1',
      hosts: [h('h1', 100, [['big', 900]]), h('h2', 500, []), h('h3', 400, [])],
      evacuate: ['h1', 'h2']
    })
    expect(plan.verdict).toBe('does-not-fit')
    expect(plan.reason).toBe(
      'cluster c1 cannot evacuate host h1: VM big of host h1 needs 900 MiB; the most free on another host is 500 MiB (h2, after its 0% reserve)'
    )
    expect(plan.hosts.map((x) => x.plan.verdict)).toEqual(['does-not-fit', 'fits'])
  })

  it('ineligible hosts (disabled, unreachable, in maintenance) take no VM', () => {
    const plan = planClusterEvacuation({
      clusterName: 'c',
      hosts: [h('h1', 0, [['a', 10]]), h('h2', 3000, [], false)],
      evacuate: ['h1']
    })
    expect(plan.verdict).toBe('does-not-fit')
  })
})
