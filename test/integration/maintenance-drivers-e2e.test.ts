import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import type { RunView } from '../../shared/run-view.js'
import { startCloudStackSimulator, type CloudStackSimulator } from '../support/cloudstack-sim/cloudstack-simulator.js'
import { clusterId, hostId, podId, startE2E, zoneId, type E2E } from '../support/e2e-env.js'
import { getHostResourceStates } from '../../store/host/get-host-resource-states.js'
import { stageIntervals } from '../support/host-log-checks.js'
import { setHooks } from '../support/hooks.js'
import { e2eApi } from '../support/e2e-api.js'

/**
 * The maintenance drivers (docs/inventory.md#maintenance-drivers) end to end through the API, on real sshd hosts running real stage scripts: hosts whose
 * maintenance driver is cloudstack (against the CloudStack simulator) or command (real programs).
 */
const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'drivers-admin-key-0123456789',
  secretKey: 'drivers-admin-secret-0123456789',
  role: 'admin'
}
const CS_API_KEY = 'cs-api-key'
const CS_SECRET = 'cs-secret-key-for-the-simulator'
const basic = `Basic ${Buffer.from(`${ADMIN.apiKey}:${ADMIN.secretKey}`).toString('base64')}`

let dir: string
let sim: CloudStackSimulator
let e2e: E2E
let fastify: FastifyInstance
let driverLog: string
let enterScript: string
let exitScript: string

/** The simulator's CloudStack has the same ids as the inventory (as after `inventory import`). */
function simHost(name: string, vms: string[]) {
  return { id: hostId(name), name, ipaddress: '127.0.0.1', vms }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-drivers-e2e-'))
  const secretFile = path.join(dir, 'cs-secret')
  writeFileSync(secretFile, CS_SECRET, { mode: 0o600 })
  driverLog = path.join(dir, 'driver.log')
  writeFileSync(driverLog, '')
  // the command driver's programs: log when they ran (ms) and with what; fail when a marker file says so
  const program = (verb: string): string => {
    const file = path.join(dir, `${verb}.sh`)
    writeFileSync(
      file,
      `#!/bin/sh
printf '%s %s %s %s %s %s\\n' "$(date +%s%3N)" "${verb}" "$1" "$ROLLMAINT_STAGE" "$ROLLMAINT_RUN_ID" "$ROLLMAINT_PAYLOAD" >> "${driverLog}"
if [ -e "${dir}/fail-${verb}-$1" ]; then echo "drain refused: $2 is busy"; echo "see the orchestrator" >&2; exit 3; fi
exit 0
`
    )
    chmodSync(file, 0o755)
    return file
  }
  enterScript = program('enter')
  exitScript = program('exit')

  sim = await startCloudStackSimulator({
    users: [{ apiKey: CS_API_KEY, secretKey: CS_SECRET }],
    jobDelayMs: 30,
    migrationMs: 80,
    layout: {
      zones: [
        {
          id: zoneId('z1'),
          name: 'z1',
          pods: [
            {
              id: podId('z1-p1'),
              name: 'z1-p1',
              clusters: [
                {
                  id: clusterId('cs'),
                  name: 'cs',
                  hosts: [simHost('cs1', ['i-2-10-VM', 'i-2-11-VM']), simHost('cs2', ['i-2-12-VM']), simHost('cs3', [])]
                },
                {
                  id: clusterId('ce'),
                  name: 'ce',
                  hosts: [simHost('ce1', ['i-3-20-VM', 'i-3-21-VM']), simHost('ce2', []), simHost('ce3', [])]
                }
              ]
            }
          ]
        }
      ]
    }
  })
  const cloudstack = {
    driver: 'cloudstack',
    url: sim.url,
    apiKey: CS_API_KEY,
    secretKeyFile: secretFile,
    pollInterval: 0.05,
    timeout: 30
  }
  e2e = await startE2E({
    label: 'drivers',
    clusters: [
      { name: 'cs', hosts: ['cs1', 'cs2', 'cs3'], maintenance: cloudstack },
      { name: 'ce', hosts: ['ce1', 'ce2', 'ce3'], maintenance: cloudstack },
      {
        name: 'cmd',
        hosts: ['cm1', 'cm2'],
        maintenance: {
          driver: 'command',
          enter: [enterScript, '{host.id}', '{host.name}'],
          exit: [exitScript, '{host.id}', '{host.name}'],
          timeout: 20
        }
      }
    ]
  })
  fastify = await e2eApi(e2e, [ADMIN])
  await fastify.ready()
}, 60_000)

afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
  await sim?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function runThroughApi(body: Record<string, unknown>): Promise<RunView> {
  const created = await fastify.inject({
    method: 'POST',
    url: '/api/v1/rolling-maintenance',
    headers: { authorization: basic, 'content-type': 'application/json' },
    payload: body
  })
  expect(created.statusCode, created.body).toBe(202)
  const id = (created.json() as RunView).id
  const deadline = Date.now() + 60_000
  for (;;) {
    const res = await fastify.inject({
      method: 'GET',
      url: `/api/v1/rolling-maintenance/${id}`,
      headers: { authorization: basic }
    })
    const view = res.json() as RunView
    if (view.result && ['succeeded', 'failed', 'cancelled'].includes(view.status)) return view
    if (Date.now() > deadline) throw new Error(`run ${id} did not finish: ${res.body}`)
    await sleep(50)
  }
}

const maintenanceOf = (host: string) =>
  stageIntervals(e2e.fleet.readHostLog(), 'Maintenance').filter((i) => i.host === host)
const driverLines = () =>
  readFileSync(driverLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, verb, host, stage, runId, ...payload] = l.split(' ')
      return { t: Number(t), verb: verb!, host: host!, stage: stage!, runId: runId!, payload: payload.join(' ') }
    })

describe('cloudstack driver, end to end through the API (docs/inventory.md#maintenance-drivers)', () => {
  it('each host is in CloudStack Maintenance for the whole of its Maintenance script, and Enabled after', async () => {
    setHooks(e2e.fleet, ['cs1', 'cs2', 'cs3'], { PreFlight: {}, Maintenance: { sleepSec: 0.4 } })
    const done = await runThroughApi({ clusterids: clusterId('cs') })
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded')
    const updated = done.result!.rollingmaintenance.hostsupdated
    expect(updated.map((h) => h.hostname)).toEqual(['cs1', 'cs2', 'cs3'])
    // docs/api.md#the-result: what CloudStack moved is in each host's entry
    const cs1 = updated[0] as { migrated?: Array<{ vm: string; to: string; durationMs: number }> }
    expect(cs1.migrated?.map((m) => m.vm).sort()).toEqual(['i-2-10-VM', 'i-2-11-VM'])
    for (const [i, entry] of updated.entries()) {
      for (const m of (entry as typeof cs1).migrated ?? []) {
        expect([hostId('cs1'), hostId('cs2'), hostId('cs3')].filter((id) => id !== updated[i]!.hostid)).toContain(m.to)
        expect(m.durationMs).toBeGreaterThan(0)
      }
    }
    for (const name of ['cs1', 'cs2', 'cs3']) {
      const [script] = maintenanceOf(name)
      expect(script, name).toBeDefined()
      for (const at of [script!.start, (script!.start + script!.end) / 2, script!.end]) {
        expect(sim.resourceStateAt(hostId(name), at), `${name} at ${at}`).toBe('Maintenance')
      }
      expect(sim.resourceState(hostId(name))).toBe('Enabled')
      expect(sim.history(hostId(name))).toEqual(['Enabled', 'PrepareForMaintenance', 'Maintenance', 'Enabled'])
      // one at a time: no other host of the cluster was out of Enabled while this one was in Maintenance
      for (const other of ['cs1', 'cs2', 'cs3'].filter((o) => o !== name)) {
        expect(sim.resourceStateAt(hostId(other), (script!.start + script!.end) / 2)).toBe('Enabled')
      }
    }
    // CloudStack moved every VM off each host in turn; none was lost
    expect(['cs1', 'cs2', 'cs3'].flatMap((n) => sim.vmsOn(hostId(n))).sort()).toEqual([
      'i-2-10-VM',
      'i-2-11-VM',
      'i-2-12-VM'
    ])
    expect(sim.rejectedSignatures).toBe(0)
  })

  it('ErrorInMaintenance in CloudStack: forced → skipped with `EnterMaintenance failed: <why>`, its Maintenance script never runs', async () => {
    setHooks(e2e.fleet, ['ce1', 'ce2', 'ce3'], { PreFlight: {}, Maintenance: {} })
    sim.failMigrationOf('i-3-21-VM')
    const done = await runThroughApi({ clusterids: clusterId('ce'), forced: true })
    const r = done.result!.rollingmaintenance
    expect(r.hostsskipped).toEqual([
      {
        hostid: hostId('ce1'),
        hostname: 'ce1',
        reason:
          'EnterMaintenance failed: CloudStack put the host in ErrorInMaintenance: not every VM could be migrated off it; VMs still on it: i-3-21-VM'
      }
    ])
    expect(r.hostsupdated.map((h) => h.hostname)).toEqual(['ce2', 'ce3'])
    expect(maintenanceOf('ce1')).toEqual([])
    expect(sim.resourceState(hostId('ce1'))).toBe('ErrorInMaintenance')
    sim.setResourceState(hostId('ce1'), 'Enabled')
  })

  it("a failed CloudStack job without forced: the run stops, CloudStack's errortext in the result", async () => {
    setHooks(e2e.fleet, ['ce1', 'ce2', 'ce3'], { PreFlight: {}, Maintenance: {} })
    sim.failNextJob(
      hostId('ce1'),
      'Host contains VMs in starting/stopping state. Please wait for them to complete before putting to maintenance.'
    )
    const before = maintenanceOf('ce2').length
    const done = await runThroughApi({ clusterids: clusterId('ce') })
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    // docs/user-guide.md#failures-after-preflight: details name the host, the stage and CloudStack's errortext
    expect(r.details).toContain('ce1')
    expect(r.details).toContain('EnterMaintenance')
    expect(r.details).toContain(
      'Failed to prepare host for maintenance due to: Host contains VMs in starting/stopping state. Please wait for them to complete before putting to maintenance.'
    )
    expect(r.hostsupdated).toEqual([])
    expect(maintenanceOf('ce2')).toHaveLength(before)
    expect(sim.resourceState(hostId('ce1'))).toBe('Enabled')
  })
})

describe('command driver, end to end through the API (docs/inventory.md#maintenance-drivers)', () => {
  it('enter runs before the Maintenance script, exit after it, with placeholders and the docs/stage-scripts.md environment', async () => {
    setHooks(e2e.fleet, ['cm1', 'cm2'], { PreFlight: {}, Maintenance: { sleepSec: 0.2 } })
    const done = await runThroughApi({ clusterids: clusterId('cmd'), payload: 'kernel=6.1 "now"' })
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded')
    const lines = driverLines().filter((l) => l.runId === done.id)
    expect(lines).toHaveLength(4)
    for (const l of lines) expect(l.payload).toBe('kernel=6.1 "now"')
    for (const name of ['cm1', 'cm2']) {
      const [script] = maintenanceOf(name)
      const enter = lines.find((l) => l.verb === 'enter' && l.host === hostId(name))
      const exit = lines.find((l) => l.verb === 'exit' && l.host === hostId(name))
      expect(enter?.stage).toBe('EnterMaintenance')
      expect(exit?.stage).toBe('ExitMaintenance')
      expect(enter!.t).toBeLessThanOrEqual(script!.start)
      expect(exit!.t).toBeGreaterThanOrEqual(script!.end)
    }
  })

  it('a failing enter command: forced → skipped with its exit status and output, no Maintenance script', async () => {
    setHooks(e2e.fleet, ['cm1', 'cm2'], { PreFlight: {}, Maintenance: {} })
    writeFileSync(path.join(dir, `fail-enter-${hostId('cm1')}`), '')
    const before = maintenanceOf('cm1').length
    const done = await runThroughApi({ clusterids: clusterId('cmd'), forced: true })
    rmSync(path.join(dir, `fail-enter-${hostId('cm1')}`))
    const r = done.result!.rollingmaintenance
    expect(r.hostsskipped).toEqual([
      {
        hostid: hostId('cm1'),
        hostname: 'cm1',
        reason: `EnterMaintenance failed: ${enterScript} exited with status 3; output:\ndrain refused: cm1 is busy\nsee the orchestrator`
      }
    ])
    expect(r.hostsupdated.map((h) => h.hostname)).toEqual(['cm2'])
    expect(maintenanceOf('cm1')).toHaveLength(before)
  })

  it('a failing exit command: the host stays in ErrorInMaintenance, its cluster stops, never silently left behind', async () => {
    setHooks(e2e.fleet, ['cm1', 'cm2'], { PreFlight: {}, Maintenance: {} })
    writeFileSync(path.join(dir, `fail-exit-${hostId('cm1')}`), '')
    const done = await runThroughApi({ clusterids: clusterId('cmd'), forced: true })
    const r = done.result!.rollingmaintenance
    expect(r.success).toBe(false)
    expect(r.details).toContain('cm1')
    expect(r.details).toContain('drain refused: cm1 is busy')
    expect(
      driverLines()
        .filter((l) => l.runId === done.id)
        .map((l) => `${l.verb} ${l.host}`)
    ).toEqual([`enter ${hostId('cm1')}`, `exit ${hostId('cm1')}`])
    const states = await getHostResourceStates(e2e.redis, e2e.keys, [hostId('cm1'), hostId('cm2')])
    expect(states.get(hostId('cm1'))?.state).toBe('ErrorInMaintenance')
    expect(states.get(hostId('cm2'))?.state ?? 'Enabled').toBe('Enabled')
  })
})
