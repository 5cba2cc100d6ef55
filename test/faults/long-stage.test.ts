import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { startCounts } from '../support/host-log-checks.js'
import { startWorkerProcess, writeInventory, type WorkerProcess } from '../support/worker-process.js'

let e2e: E2E
const procs: WorkerProcess[] = []
beforeAll(async () => {
  e2e = await startE2E({ label: 'long', clusters: [{ name: 'lc', hosts: ['l1', 'l2'] }], workers: 0 })
})
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
})

describe('a long Maintenance stage survives its worker', () => {
  it('killing the worker during a 20 s Maintenance script does not restart it: the new worker waits for the same process and reports its output', async () => {
    setHooks(e2e.fleet, ['l1', 'l2'], { Maintenance: {} })
    // Logs start/end like the other hooks, and prints its last line only when the 20 s are over.
    const script = e2e.fleet.loggingHook({ sleepSec: 20 }).replace(/\nlog end/, "\necho 'finished after 20 s'\nlog end")
    e2e.fleet.writeHook('l1', 'Maintenance', script)
    const env = { ...e2e.env, ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc) }
    procs.push(await startWorkerProcess(env), await startWorkerProcess(env))
    const mark = e2e.fleet.readHostLog().length
    const run = await e2e.start({ clusterids: [clusterId('lc')] })
    while (
      !e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.host === 'l1' && e.stage === 'Maintenance' && e.event === 'start')
    )
      await sleep(20)
    await sleep(1000)
    const lease = await e2e.redis.get(e2e.keys.clusterLease(clusterId('lc')))
    const pid = Number(lease!.split('|')[1]!.split(':')[1])
    procs.find((p) => p.pid === pid)!.child.kill('SIGKILL')

    const done = await e2e.waitForRun(run.id, 90_000)
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(true)
    expect(r.hostsupdated[0]).toMatchObject({ hostname: 'l1', output: expect.stringContaining('finished after 20 s') })
    const log = e2e.fleet.readHostLog().slice(mark)
    expect(startCounts(log).get('l1/Maintenance')).toBe(1)
    const maint = log.filter((e) => e.host === 'l1' && e.stage === 'Maintenance')
    expect(maint.map((e) => e.event)).toEqual(['start', 'end'])
    expect(maint[1]!.t - maint[0]!.t).toBeGreaterThanOrEqual(20_000)
  }, 120_000)
})
