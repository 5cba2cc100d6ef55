import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { startCounts } from '../support/host-log-checks.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ label: 'reboot', clusters: [{ name: 'rb', hosts: ['r1', 'r2'] }] })
})
afterAll(async () => {
  await e2e?.close()
})

async function waitForStart(mark: number, host: string, stage: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === host && e.stage === stage && e.event === 'start')
  ) {
    if (Date.now() > deadline) throw new Error(`${host} never started ${stage}`)
    await sleep(10)
  }
  await sleep(200)
}

async function rebootWhen(mark: number, host: string, stage: string): Promise<void> {
  await waitForStart(mark, host, stage)
  await e2e.fleet.host(host).reboot(1500)
}

describe('reboots (boot id changes)', () => {
  it('a Maintenance script that reboots its host counts as completed once SSH answers again; PostMaintenance validates the host', async () => {
    setHooks(e2e.fleet, ['r1', 'r2'], {
      PreFlight: {},
      PreMaintenance: {},
      Maintenance: { sleepSec: 30, stdout: 'rebooting' },
      PostMaintenance: {}
    })
    setHooks(e2e.fleet, ['r2'], { PreFlight: {}, Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: [clusterId('rb')] })
    await rebootWhen(mark, 'r1', 'Maintenance')
    const done = await e2e.waitForRun(run.id, 60_000)
    const r = done.result!.rollingmaintenance
    expect(r.success, r.details).toBe(true)
    expect(r.hostsupdated.map((h) => h.hostname)).toEqual(['r1', 'r2'])
    expect(r.hostsupdated[0]!.output).toContain('rebooting')
    const log = e2e.fleet.readHostLog().slice(mark)
    // the Maintenance script was not started again after the reboot, and PostMaintenance ran after it
    expect(startCounts(log).get('r1/Maintenance')).toBe(1)
    expect(log.some((e) => e.host === 'r1' && e.stage === 'PostMaintenance' && e.event === 'end')).toBe(true)
    expect((await e2e.runService.getHost(hostId('r1')))?.resourceState).toBe('Enabled')
  })

  it('a reboot during another stage is a failure with a clear reason', async () => {
    setHooks(e2e.fleet, ['r1', 'r2'], {
      PreFlight: {},
      PreMaintenance: { sleepSec: 30 },
      Maintenance: {},
      PostMaintenance: {}
    })
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ hostids: [hostId('r1')] })
    await rebootWhen(mark, 'r1', 'PreMaintenance')
    const done = await e2e.waitForRun(run.id, 60_000)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/PreMaintenance failed on host r1 .*rebooted during PreMaintenance/)
    expect(
      e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.host === 'r1' && e.stage === 'Maintenance')
    ).toBe(false)
    expect((await e2e.runService.getHost(hostId('r1')))?.resourceState).toBe('Enabled')
  })

  it('a shutdown that kills the script while sshd still answers under the old boot id is still a reboot (issue 15)', async () => {
    // What a real host shows: systemd kills the stage processes first, sshd answers a little longer,
    // then the host goes down and comes back with a new boot id. A worker attached in between sees a
    // script that vanished under the old boot id; it must report the reboot, not a vanished script.
    setHooks(e2e.fleet, ['r1', 'r2'], {
      PreFlight: {},
      PreMaintenance: { sleepSec: 30 },
      Maintenance: {},
      PostMaintenance: {}
    })
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ hostids: [hostId('r1')] })
    await waitForStart(mark, 'r1', 'PreMaintenance')
    await e2e.fleet.host('r1').shutdownAndReboot({ sshdLingerMs: 3000, downMs: 1500 })
    const done = await e2e.waitForRun(run.id, 60_000)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toMatch(/PreMaintenance failed on host r1 .*rebooted during PreMaintenance/)
    expect(r.details).not.toMatch(/disappeared/)
    expect((await e2e.runService.getHost(hostId('r1')))?.resourceState).toBe('Enabled')
  })
})
