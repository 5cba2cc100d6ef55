import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaseRef } from '../../store/cluster/lease-ref.js'
import { countHostFailure } from '../../store/run/count-host-failure.js'
import { stopRun } from '../../store/run/stop-run.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'

// Issue 11, item 5: a run with a host that never reached `done` must never end `success: true`.
const HOSTS = ['st1', 'st2']

let e2e: E2E

beforeAll(async () => {
  e2e = await startE2E({ label: 'stale-stop', clusters: [{ name: 'stk', hosts: HOSTS }] })
})
afterAll(async () => {
  await e2e?.close()
})

async function waitForMaintenance(host: string, mark: number): Promise<void> {
  const deadline = Date.now() + 20_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === host && e.stage === 'Maintenance' && e.event === 'start')
  ) {
    if (Date.now() > deadline) throw new Error(`${host} never started Maintenance`)
    await sleep(20)
  }
}

/** Starts a run whose first host sleeps in Maintenance, and returns once that host is in it. */
async function runWithFirstHostInMaintenance(): Promise<string> {
  setHooks(e2e.fleet, HOSTS, { Maintenance: { sleepSec: 1, stdout: 'maintained' } })
  const mark = e2e.fleet.readHostLog().length
  const run = await e2e.start({ clusterids: [clusterId('stk')] })
  await waitForMaintenance('st1', mark)
  return run.id
}

describe('a run with a host that never reached done ends success: false, naming it (issue 11, item 5)', () => {
  it('a stop written with a superseded lease is refused: the run goes on and updates every host', async () => {
    const runId = await runWithFirstHostInMaintenance()
    const current = await e2e.redis.get(e2e.keys.clusterLease(clusterId('stk')))
    const token = Number(current!.split('|')[0])
    // A worker that lost the cluster's lease while paused wakes up and fails a host: its stop must not count.
    const stale: LeaseRef = { clusterId: clusterId('stk'), token: String(token - 1), owner: 'paused-worker/1' }
    const outcome = await stopRun(e2e.redis, e2e.keys, runId, 'PreMaintenance failed on host st2', stale)
    const view = await e2e.waitForRun(runId)
    const r = view.result!.rollingmaintenance
    expect(r.success, r.details).toBe(true)
    expect(r.hostsupdated.map((h) => h.hostname)).toEqual(HOSTS)
    expect(outcome).toBe('lease-lost')
  })

  it("a failure counted with a superseded lease does not spend the run's failure budget", async () => {
    const runId = await runWithFirstHostInMaintenance()
    const current = await e2e.redis.get(e2e.keys.clusterLease(clusterId('stk')))
    const live: LeaseRef = {
      clusterId: clusterId('stk'),
      token: current!.split('|')[0]!,
      owner: current!.slice(current!.indexOf('|') + 1)
    }
    const stale: LeaseRef = { ...live, token: String(Number(live.token) - 1) }
    expect(await countHostFailure(e2e.redis, e2e.keys, runId, stale)).toBe('lease-lost')
    expect(await e2e.redis.hget(e2e.keys.run(runId), 'failures')).toBeNull()
    const view = await e2e.waitForRun(runId)
    expect(view.result!.rollingmaintenance.success).toBe(true)
  })

  it('a stop with no failed host still names the hosts it kept from starting', async () => {
    const runId = await runWithFirstHostInMaintenance()
    const outcome = await stopRun(e2e.redis, e2e.keys, runId, 'stopped by the run job')
    const view = await e2e.waitForRun(runId)
    const r = view.result!.rollingmaintenance
    expect(r.hostsupdated.map((h) => h.hostname)).toEqual(['st1'])
    expect(r.success).toBe(false)
    expect(r.details).toContain('st2 (host-st2)')
    expect(r.details).toContain('stopped by the run job')
    expect(view.status).toBe('failed')
    expect(outcome).toBe('stopped')
  })

  it('a host whose stuck record is refused (slot held by another host) is still reported as stuck', async () => {
    const runId = await runWithFirstHostInMaintenance()
    // Something else took the slot while st1 was in maintenance: its exit and its stuck record are refused.
    await e2e.redis.set(e2e.keys.clusterInMaintenance(clusterId('stk')), 'intruder-host')
    const mark = e2e.fleet.readHostLog().length
    const view = await e2e.waitForRun(runId)
    const r = view.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toContain('host st1 (host-st1) could not exit maintenance mode')
    expect(r.details).toContain('intruder-host')
    // st2 never started (the stuck host stopped the run) and is named too.
    expect(r.details).toContain('st2 (host-st2)')
    expect(
      e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.host === 'st2')
    ).toBe(false)
    await e2e.redis.del(e2e.keys.clusterInMaintenance(clusterId('stk')))
  })
})
