import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterBusyError } from '../../shared/errors/cluster-busy-error.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({
    label: 'stuck',
    clusters: [{ name: 'sc', hosts: ['u1', 'u2'] }],
    env: { ROLLMAINT_REATTACH_GRACE_MS: '1500' }
  })
})
afterAll(async () => {
  await e2e?.close()
})

describe('a host whose maintenance mode cannot be exited (docs/user-guide.md#exiting-maintenance-mode)', () => {
  it('host unreachable during Maintenance: ErrorInMaintenance, its cluster stops, the result says so; the slot stays taken', async () => {
    // u1 must drop off while its Maintenance still runs: a script that outlives the stage timeout
    // (the host kills it then), and a timeout long enough for this test's loop to see the start
    // and disconnect under load (a 1 s script once ended before the disconnect).
    setHooks(e2e.fleet, ['u1', 'u2'], { Maintenance: { sleepSec: 60 } })
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: [clusterId('sc')], timeout: 6, forced: true })
    while (
      !e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.host === 'u1' && e.stage === 'Maintenance' && e.event === 'start')
    )
      await sleep(20)
    // the host drops off the network for good: sshd and its sessions gone
    await e2e.fleet.host('u1').disconnect()
    const done = await e2e.waitForRun(run.id, 60_000)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/host u1 .* could not exit maintenance mode: Maintenance could not be confirmed finished/)
    // even with forced, nothing else starts in that cluster while u1 may still be in maintenance
    expect(
      e2e.fleet
        .readHostLog()
        .slice(mark)
        .filter((e) => e.host === 'u2' && e.stage === 'Maintenance')
    ).toEqual([])
    expect((await e2e.runService.getHost(hostId('u1')))?.resourceState).toBe('ErrorInMaintenance')
    expect(await e2e.redis.get(e2e.keys.clusterInMaintenance(clusterId('sc')))).toBe(hostId('u1'))
    // and the next run refuses the host that is still in maintenance
    const next = await e2e.waitForRun((await e2e.start({ hostids: [hostId('u1')] })).id)
    expect(next.result!.rollingmaintenance.details).toMatch(
      /already in maintenance \(resource state ErrorInMaintenance\)/
    )

    // The operator checks the host, brings it back and cancels its maintenance (once the dead
    // cycle's lease has expired); the cluster then takes part in runs again, both hosts updated.
    setHooks(e2e.fleet, ['u1', 'u2'], { Maintenance: {} })
    await e2e.fleet.host('u1').start()
    let cleared
    for (let i = 0; !cleared; i++) {
      try {
        cleared = await e2e.runService.cancelHostMaintenance(hostId('u1'), 'ops')
      } catch (err) {
        if (!(err instanceof ClusterBusyError) || i > 200) throw err
        await sleep(100)
      }
    }
    expect(cleared.resourceState).toBe('Enabled')
    expect(await e2e.redis.get(e2e.keys.clusterInMaintenance(clusterId('sc')))).toBeNull()
    const again = await e2e.waitForRun((await e2e.start({ clusterids: [clusterId('sc')] })).id, 60_000)
    expect(again.result!.rollingmaintenance.success).toBe(true)
    expect(again.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['u1', 'u2'])
  }, 90_000)
})
