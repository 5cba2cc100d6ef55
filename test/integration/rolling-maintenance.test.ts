import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RunConflictError } from '../../shared/errors/run-conflict-error.js'
import { ScopeError } from '../../shared/errors/scope-error.js'
import { clusterId, hostId, startE2E, type E2E, zoneId } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { invariantViolations, stageIntervals } from '../support/host-log-checks.js'

// One fleet for the whole file (sshd start-up is the slow part); each test rewrites the hooks.
// c1: a1 a2 a3 | c2: b1 b2 (zone z1)   c3: d1 d2 (zone z2)   cx: x-off (disabled), x-xen (XenServer)
const CLUSTERS = [
  { name: 'c1', hosts: ['a1', 'a2', 'a3'], zone: 'z1' },
  { name: 'c2', hosts: ['b1', 'b2'], zone: 'z1' },
  { name: 'c3', hosts: ['d1', 'd2'], zone: 'z2' },
  { name: 'cx', hosts: ['x-off', 'x-xen'], zone: 'z3' }
]
const ALL = CLUSTERS.flatMap((c) => c.hosts)
const clusterOf = (host: string): string => CLUSTERS.find((c) => c.hosts.includes(host))!.name
const full = { PreFlight: {}, PreMaintenance: {}, Maintenance: { stdout: 'patched' }, PostMaintenance: {} }

let e2e: E2E
let logMark = 0

/** Host-log entries written since the current test began. */
function log() {
  return e2e.fleet.readHostLog().slice(logMark)
}

beforeAll(async () => {
  e2e = await startE2E({
    label: 'rm',
    clusters: CLUSTERS,
    hostOverrides: { 'x-off': { enabled: false }, 'x-xen': { hypervisor: 'XenServer' } },
    env: { ROLLMAINT_MAX_PARALLEL_CLUSTERS: '4' }
  })
})
afterAll(async () => {
  await e2e?.close()
})
beforeEach(() => {
  setHooks(e2e.fleet, ALL, full)
  logMark = e2e.fleet.readHostLog().length
})

function names(list: Array<{ hostname: string }>): string[] {
  return list.map((h) => h.hostname)
}

async function expectAllEnabled(): Promise<void> {
  const hosts = await e2e.runService.listHosts()
  const inMaintenance = hosts.filter((h) => h.resourceState !== 'Enabled' && h.resourceState !== 'Disabled')
  expect(inMaintenance).toEqual([])
}

describe('scope (docs/user-guide.md#scope)', () => {
  it('takes the union of every kind of id, each host once', async () => {
    const run = await e2e.start({ clusterids: [clusterId('c2')], hostids: [hostId('d1'), hostId('b1')] })
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('succeeded')
    expect(names(done.result!.rollingmaintenance.hostsupdated).sort()).toEqual(['b1', 'b2', 'd1'])
  })

  it('refuses no scope, unknown ids and an empty result without enqueuing anything', async () => {
    const before = (await e2e.runService.listRuns({ limit: 500 })).length
    await expect(e2e.start({})).rejects.toBeInstanceOf(ScopeError)
    await expect(e2e.start({ zoneids: ['nope'], hostids: [hostId('a1')] })).rejects.toThrow(/unknown zoneids: nope/)
    expect((await e2e.runService.listRuns({ limit: 500 })).length).toBe(before)
  })
})

describe('host checks (docs/user-guide.md#host-checks)', () => {
  it('without forced: a disabled or non-KVM host ends the run with success false and nothing done', async () => {
    const run = await e2e.start({ zoneids: [zoneId('z3')] })
    const done = await e2e.waitForRun(run.id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/x-off.*not Enabled/)
    expect(r.details).toMatch(/x-xen.*XenServer/)
    expect(r.hostsupdated).toEqual([])
    expect(log()).toEqual([])
  })

  it('with forced: those hosts are skipped with the reason, the others are processed', async () => {
    const run = await e2e.start({ clusterids: [clusterId('cx'), clusterId('c3')], forced: true })
    const done = await e2e.waitForRun(run.id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(names(r.hostsupdated)).toEqual(['d1', 'd2'])
    expect(r.hostsskipped.map((s) => [s.hostname, s.reason])).toEqual(
      expect.arrayContaining([
        ['x-off', expect.stringMatching(/not Enabled/)],
        ['x-xen', expect.stringMatching(/XenServer/)]
      ])
    )
  })

  it('a host already in maintenance fails the run without forced', async () => {
    await e2e.redis.hset(e2e.keys.host(hostId('d2')), 'state', 'Maintenance', 'runId', 'someone-else')
    try {
      const done = await e2e.waitForRun((await e2e.start({ hostids: [hostId('d1'), hostId('d2')] })).id)
      expect(done.result!.rollingmaintenance.success).toBe(false)
      expect(done.result!.rollingmaintenance.details).toMatch(/d2.*already in maintenance/)
      expect(log()).toEqual([])
    } finally {
      await e2e.redis.hset(e2e.keys.host(hostId('d2')), 'state', 'Enabled')
    }
  })
})

describe('one run per cluster (docs/user-guide.md#one-run-per-cluster)', () => {
  it('refuses an overlapping run with a conflict naming the cluster and the other run', async () => {
    setHooks(e2e.fleet, ['d1', 'd2'], { Maintenance: { sleepSec: 1 } })
    const first = await e2e.start({ clusterids: [clusterId('c3')] })
    const err = await e2e.start({ hostids: [hostId('d2')] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RunConflictError)
    expect((err as RunConflictError).message).toContain(first.id)
    expect((err as RunConflictError).message).toContain('c3')
    // a run on other clusters proceeds in parallel
    const other = await e2e.start({ clusterids: [clusterId('c2')] })
    expect((await e2e.waitForRun(other.id)).status).toBe('succeeded')
    expect((await e2e.waitForRun(first.id)).status).toBe('succeeded')
    // once the first run is over its clusters are free again
    expect((await e2e.waitForRun((await e2e.start({ hostids: [hostId('d2')] })).id)).status).toBe('succeeded')
  })
})

describe('PreFlight (docs/user-guide.md#preflight)', () => {
  it('runs on every host of the run before any other stage anywhere', async () => {
    setHooks(e2e.fleet, ['a1'], { ...full, PreFlight: { sleepSec: 0.5 } })
    const done = await e2e.waitForRun((await e2e.start({ zoneids: [zoneId('z1'), zoneId('z2')] })).id)
    expect(done.status).toBe('succeeded')
    const entries = log()
    const lastPreflightEnd = Math.max(
      ...entries.filter((e) => e.stage === 'PreFlight' && e.event === 'end').map((e) => e.t)
    )
    const firstOther = Math.min(...entries.filter((e) => e.stage !== 'PreFlight').map((e) => e.t))
    expect(entries.filter((e) => e.stage === 'PreFlight' && e.event === 'end')).toHaveLength(7)
    expect(lastPreflightEnd).toBeLessThanOrEqual(firstOther)
  })

  it('exit 70 skips the host entirely', async () => {
    setHooks(e2e.fleet, ['b1'], { ...full, PreFlight: { exitCode: 70 } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c2')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(r.hostsskipped).toEqual([
      { hostid: hostId('b1'), hostname: 'b1', reason: 'Pre-flight stage set to avoid maintenance' }
    ])
    expect(names(r.hostsupdated)).toEqual(['b2'])
    expect(log().filter((e) => e.host === 'b1' && e.stage !== 'PreFlight')).toEqual([])
  })

  it('a failure anywhere without forced: success false, details name host and output, no host gets any further stage', async () => {
    setHooks(e2e.fleet, ['d2'], { ...full, PreFlight: { exitCode: 3, stdout: 'disk almost full' } })
    const done = await e2e.waitForRun((await e2e.start({ zoneids: [zoneId('z1'), zoneId('z2')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/PreFlight failed on host d2 .*disk almost full/)
    expect(r.hostsupdated).toEqual([])
    expect(log().filter((e) => e.stage !== 'PreFlight')).toEqual([])
    await expectAllEnabled()
  })

  it('a failure with forced: that host is skipped with the reason, the others continue', async () => {
    setHooks(e2e.fleet, ['d2'], { ...full, PreFlight: { exitCode: 3, stdout: 'disk almost full' } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')], forced: true })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(names(r.hostsupdated)).toEqual(['d1'])
    expect(r.hostsskipped[0]!.reason).toMatch(/^Pre-flight script failed: .*disk almost full/)
  })

  it('no PreFlight script: no check, the host passes', async () => {
    setHooks(e2e.fleet, ['d1', 'd2'], { Maintenance: {} })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')] })).id)
    expect(names(done.result!.rollingmaintenance.hostsupdated)).toEqual(['d1', 'd2'])
  })
})

describe('cluster by cluster, one host at a time (docs/user-guide.md#the-host-cycle)', () => {
  it('no Maintenance script: skipped with CloudStack reason, never in maintenance', async () => {
    setHooks(e2e.fleet, ['d1'], { PreFlight: {}, PreMaintenance: {} })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.hostsskipped).toEqual([
      { hostid: hostId('d1'), hostname: 'd1', reason: 'There is no maintenance script on the host' }
    ])
    expect(log().filter((e) => e.host === 'd1' && e.stage === 'PreMaintenance')).toEqual([])
  })

  it('PreMaintenance exit 70: skipped, maintenance mode never entered', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, PreMaintenance: { exitCode: 70 } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.hostsskipped).toEqual([
      { hostid: hostId('d1'), hostname: 'd1', reason: 'Pre-maintenance stage set to avoid maintenance' }
    ])
    expect(names(r.hostsupdated)).toEqual(['d2'])
    expect(log().filter((e) => e.host === 'd1' && e.stage === 'Maintenance')).toEqual([])
    await expectAllEnabled()
  })

  it('keeps the host in maintenance (resource state Maintenance) during its Maintenance stage, and only then', async () => {
    setHooks(e2e.fleet, ['d1', 'd2'], { Maintenance: { sleepSec: 1 } })
    const run = await e2e.start({ clusterids: [clusterId('c3')] })
    const seen = new Set<string>()
    let maxAtOnce = 0
    while ((await e2e.runService.getRun(run.id))?.result === undefined) {
      const now = (await e2e.runService.listHosts()).filter(
        (h) => h.clusterId === clusterId('c3') && h.resourceState === 'Maintenance'
      )
      for (const h of now) seen.add(h.name)
      maxAtOnce = Math.max(maxAtOnce, now.length)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(maxAtOnce).toBe(1)
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('succeeded')
    expect([...seen].sort()).toEqual(['d1', 'd2'])
    await expectAllEnabled()
  })

  it('dates are ISO 8601 with offset, output is the Maintenance output, hostsupdated in order of leaving maintenance', async () => {
    setHooks(e2e.fleet, ['a1', 'a2', 'a3'], { ...full, Maintenance: { stdout: 'kernel updated' } })
    setHooks(e2e.fleet, ['b1', 'b2'], { ...full, Maintenance: { sleepSec: 0.4, stdout: 'kernel updated' } })
    const done = await e2e.waitForRun((await e2e.start({ zoneids: [zoneId('z1')] })).id)
    const updated = done.result!.rollingmaintenance.hostsupdated
    expect(updated).toHaveLength(5)
    for (const h of updated) {
      expect(h.startdate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
      expect(h.output).toContain('kernel updated')
      expect(Date.parse(h.enddate)).toBeGreaterThanOrEqual(Date.parse(h.startdate))
    }
    const ends = updated.map((h) => Date.parse(h.enddate))
    expect(ends).toEqual([...ends].sort((a, b) => a - b))
    // inside a cluster, file order
    expect(names(updated).filter((n) => n.startsWith('a'))).toEqual(['a1', 'a2', 'a3'])
    expect(invariantViolations(log(), clusterOf)).toEqual([])
  })

  it('maxParallelClusters bounds how many clusters run at once', async () => {
    // this file's workers run with 4; a second service run with 1 would need another worker, so check via the plan:
    // three clusters with 0.5 s Maintenance all overlap when the limit (4) allows it
    setHooks(e2e.fleet, ['a1', 'a2', 'a3', 'b1', 'b2', 'd1', 'd2'], { Maintenance: { sleepSec: 0.5 } })
    const done = await e2e.waitForRun((await e2e.start({ zoneids: [zoneId('z1'), zoneId('z2')] })).id)
    expect(done.status).toBe('succeeded')
    const iv = stageIntervals(log(), 'Maintenance')
    const firstOf = (c: string) => iv.filter((i) => clusterOf(i.host) === c).sort((a, b) => a.start - b.start)[0]!
    const [a, b, d] = [firstOf('c1'), firstOf('c2'), firstOf('c3')]
    expect(a.start < b.end && b.start < a.end).toBe(true)
    expect(a.start < d.end && d.start < a.end).toBe(true)
    expect(invariantViolations(log(), clusterOf)).toEqual([])
  })
})

describe('failures after PreFlight (docs/user-guide.md#failures-after-preflight)', () => {
  it('Maintenance failure without forced: maintenance exited, no new host starts, success false naming host, stage and output', async () => {
    setHooks(e2e.fleet, ['a1'], { ...full, Maintenance: { exitCode: 2, stdout: 'yum failed' } })
    setHooks(e2e.fleet, ['b1', 'b2'], { ...full, Maintenance: { sleepSec: 0.6 } })
    const done = await e2e.waitForRun((await e2e.start({ zoneids: [zoneId('z1')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/Maintenance failed on host a1 .*yum failed/)
    const entries = log()
    expect(entries.filter((e) => e.host === 'a2' || e.host === 'a3').filter((e) => e.stage !== 'PreFlight')).toEqual([])
    // b1 was in progress when a1 failed: it finishes its whole cycle, b2 never starts
    expect(entries.filter((e) => e.host === 'b1' && e.stage === 'PostMaintenance' && e.event === 'end')).toHaveLength(1)
    expect(entries.filter((e) => e.host === 'b2' && e.stage !== 'PreFlight')).toEqual([])
    expect(names(r.hostsupdated)).toEqual(['b1'])
    await expectAllEnabled()
  })

  it('Maintenance failure with forced: skipped with "<Stage> script failed", the run continues', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, Maintenance: { exitCode: 2, stdout: 'yum failed' } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')], forced: true })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(r.hostsskipped[0]).toMatchObject({
      hostname: 'd1',
      reason: expect.stringMatching(/^Maintenance script failed: .*yum failed/)
    })
    expect(names(r.hostsupdated)).toEqual(['d2'])
    await expectAllEnabled()
  })

  it('PreMaintenance failure without forced stops the run and never enters maintenance', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, PreMaintenance: { exitCode: 1, stdout: 'cannot drain' } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')] })).id)
    expect(done.result!.rollingmaintenance.success).toBe(false)
    expect(done.result!.rollingmaintenance.details).toMatch(/PreMaintenance failed on host d1 .*cannot drain/)
    expect(log().filter((e) => e.stage === 'Maintenance')).toEqual([])
    await expectAllEnabled()
  })

  it('PostMaintenance failure with forced: stays in hostsupdated and is also skipped with "Post-maintenance script failed"', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, PostMaintenance: { exitCode: 4, stdout: 'vm check failed' } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')], forced: true })).id)
    const r = done.result!.rollingmaintenance
    expect(names(r.hostsupdated)).toEqual(['d1', 'd2'])
    expect(r.hostsskipped).toEqual([
      {
        hostid: hostId('d1'),
        hostname: 'd1',
        reason: expect.stringMatching(/^Post-maintenance script failed: .*vm check failed/)
      }
    ])
  })

  it('PostMaintenance failure without forced: the host stays in hostsupdated, the run fails, no next host', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, PostMaintenance: { exitCode: 4, stdout: 'vm check failed' } })
    const done = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('c3')] })).id)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(names(r.hostsupdated)).toEqual(['d1'])
    expect(log().filter((e) => e.host === 'd2' && e.stage !== 'PreFlight')).toEqual([])
  })

  it('a stage timeout is a failure and kills the script on the host', async () => {
    setHooks(e2e.fleet, ['d1'], { ...full, Maintenance: { sleepSec: 30 } })
    const done = await e2e.waitForRun((await e2e.start({ hostids: [hostId('d1')], timeout: 1 })).id, 30_000)
    expect(done.result!.rollingmaintenance.success).toBe(false)
    expect(done.result!.rollingmaintenance.details).toMatch(/Maintenance failed on host d1 .*timed out/)
    expect(log().filter((e) => e.host === 'd1' && e.stage === 'Maintenance' && e.event === 'killed')).toHaveLength(1)
    await expectAllEnabled()
  })
})

describe('through a run (docs/stage-scripts.md)', () => {
  it('every stage gets the payload as $1, verbatim', async () => {
    const payload = `it's "quoted", $(rm -rf /) \`x\` a,b\nline2 ü`
    setHooks(e2e.fleet, ['d1'], {})
    const dir = e2e.fleet.hostConfig('d1').hooksDir
    for (const stage of ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance']) {
      writeFileSync(path.join(dir, `${stage}.sh`), `#!/bin/sh\nprintf '%s|%s|%s' "$#" "$ROLLMAINT_STAGE" "$1"\n`, {
        mode: 0o755
      })
    }
    const done = await e2e.waitForRun((await e2e.start({ hostids: [hostId('d1')], payload })).id)
    expect(done.status).toBe('succeeded')
    expect(done.result!.rollingmaintenance.hostsupdated[0]!.output).toBe(`1|Maintenance|${payload}`)
  })
})
