import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { stringify } from 'yaml'
import { startApi } from '../api/server.js'
import { createApiClient } from '../cli/api-client.js'
import { followRunEvents } from '../cli/follow-run-events.js'
import { describeRunEvent, eventHostName } from '../cli/render-progress.js'
import type { RunEvent } from '../shared/run-event.js'
import { loadConfig } from '../shared/config.js'
import { deleteKeyPrefix } from '../store/delete-key-prefix.js'
import { loadInventory } from '../shared/load-inventory.js'
import type { RunView } from '../shared/run-view.js'
import { ensureConsoleBuilt } from '../ui/ensure-built.js'
import { createWorker } from '../workers/create-worker.js'
import { buildSeedInventory } from './build-seed-inventory.js'
import { startKvmDemoFleet, type KvmDemoFleet } from './kvm-fleet.js'
import { FAILING_MAINTENANCE, installDemoHooks, SEED_ZONES } from './seed-fleet.js'
import { startSimFleet } from './sim-ssh-host.js'
import { ensureRedis } from './start-private-redis.js'

type Result = NonNullable<RunView['result']>

/** Where each seed host sits, for readable progress lines. */
const WHERE_BY_NAME = new Map(
  SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts.map((h) => [h.name, h.id] as const)))
)
const WHERE = new Map(
  SEED_ZONES.flatMap((z) =>
    z.clusters.flatMap((c) =>
      c.hosts.map((h) => [h.id, { cluster: `${z.name}/${c.name}`, clusterSize: c.hosts.length, name: h.name }] as const)
    )
  )
)

/** Plain lines (no cursor tricks), so the output reads the same on a terminal and in a CI log. */
class ProgressPrinter {
  private readonly started = Date.now()
  private readonly done = new Map<string, number>()

  line(text: string): void {
    console.log(`[${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)} s] ${text}`)
  }

  /** The CLI's own wording of each event, with the demo's cluster column and per-cluster count. */
  event(event: RunEvent): void {
    const hostId = 'hostId' in event.data ? event.data.hostId : undefined
    if (hostId === undefined) return this.line(describeRunEvent(event))
    const where = WHERE.get(hostId)
    const host = `${(where?.cluster ?? '?').padEnd(14)} ${(eventHostName(event) ?? where?.name ?? hostId).padEnd(28)}`
    const count = (): string => {
      const n = (this.done.get(where?.cluster ?? '?') ?? 0) + 1
      this.done.set(where?.cluster ?? '?', n)
      return ` (${n}/${where?.clusterSize ?? '?'} of its cluster)`
    }
    const last = event.type === 'host.updated' ? `: ${event.data.output.trim().split('\n').at(-1) ?? ''}` : ''
    const done = event.type === 'host.updated' || event.type === 'host.skipped' ? count() : ''
    this.line(`${host} ${describeRunEvent(event)}${done}${last}`)
  }
}

/**
 * `npm run demo`: the seed's second example end to end on one machine. A private Redis if needed,
 * nine simulated hypervisors speaking real SSH, the API and a worker wired as `npm start` wires
 * them, one rolling maintenance over both zones through the REST API with live progress, then
 * CloudStack's result. Exit 0 when the run succeeded. `--keep` leaves it all running until Ctrl-C.
 */
const USAGE = `usage: npm run demo [-- [--kvm] [--keep] [--fail <host name>]...]
  --kvm          real KVM instead of simulated hosts: the 9 hosts are libvirtd+sshd pairs of the KVM
                 lab (root, qemu and libvirt needed), 2 VMs each, moved away by live migration before
                 each host's Maintenance (the libvirt maintenance driver); progress lines per VM
  --keep         leave Redis, the simulated hosts, the API and the worker running after the run,
                 print the API and Bull Board URLs and credentials, and wait for Ctrl-C
  --fail <host>  that host's Maintenance script fails (e.g. ref-trl-711-k-M7-apanic-kvm2): the run
                 stops starting hosts, ends with success false, and the demo exits 1`

function parseDemoArgs(argv: string[]): { keep: boolean; kvm: boolean; failing: Set<string> } {
  const known = new Set(WHERE_BY_NAME.keys())
  let values: { keep?: boolean; kvm?: boolean; fail?: string[]; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        keep: { type: 'boolean' },
        kvm: { type: 'boolean' },
        fail: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true,
      allowPositionals: false
    }))
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.help) throw new UsageError('')
  const unknown = (values.fail ?? []).filter((name) => !known.has(name))
  if (unknown.length > 0)
    throw new UsageError(`--fail needs one of: ${[...known].join(', ')} (got ${unknown.join(', ')})`)
  return { keep: values.keep === true, kvm: values.kvm === true, failing: new Set(values.fail ?? []) }
}

class UsageError extends Error {}

function printPlacement(title: string, placement: Map<string, string>): void {
  const byHost = new Map<string, string[]>()
  for (const [vm, host] of [...placement].sort()) byHost.set(host, [...(byHost.get(host) ?? []), vm])
  console.log(`${title}:`)
  for (const [name, where] of WHERE_BY_NAME) {
    const c = WHERE.get(where)!.cluster
    console.log(`  ${c.padEnd(14)} ${name.padEnd(28)} ${(byHost.get(name) ?? []).join(' ') || '-'}`)
  }
}

/** --fail with --kvm: that host's Maintenance script fails after its VMs were moved away. */
function installKvmFailures(fleet: KvmDemoFleet, failing: ReadonlySet<string>): void {
  for (const name of failing) {
    const dir = fleet.lab.host(fleet.labHostOf.get(name)!).hooksDir
    writeFileSync(path.join(dir, 'Maintenance.sh'), FAILING_MAINTENANCE)
  }
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseDemoArgs>
  try {
    args = parseDemoArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    if (err.message) console.error(err.message)
    console.error(USAGE)
    return err.message ? 2 : 0
  }
  const { keep, kvm, failing } = args
  const work = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-demo-'))
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })]
  let cleaning: Promise<void> | undefined
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const c of [...cleanups].reverse())
        await Promise.resolve()
          .then(c)
          .catch(() => undefined)
    })())
  let firstSignalAt: number | undefined
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C reaches npm, tsx and us at once, and each may pass it on: only a later one means "now".
      if (Date.now() - firstSignalAt > 1_000) process.exit(130)
      return
    }
    firstSignalAt = Date.now()
    console.log(`\n${signal}: stopping the demo and cleaning up`)
    void cleanup().then(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  try {
    const redis = await ensureRedis(process.env.REDIS_URL, { ownProcessGroup: true })
    cleanups.push(() => redis.stop())
    const inventoryPath = path.join(work, 'inventory.yaml')
    let kvmFleet: KvmDemoFleet | undefined
    let fleetLine: string
    if (kvm) {
      console.log('starting the KVM lab: 9 hosts, each a real libvirtd and sshd, 2 VMs each ...')
      kvmFleet = await startKvmDemoFleet()
      cleanups.push(() => kvmFleet!.stop())
      installKvmFailures(kvmFleet, failing)
      writeFileSync(inventoryPath, stringify(kvmFleet.inventoryDoc))
      fleetLine = `  hosts    ${kvmFleet.lab.hosts.length} KVM hosts (${kvmFleet.lab.virtType}): libvirtd + sshd each on ${kvmFleet.lab.hosts[0]!.address.replace(/\.\d+$/, '.1-9')}; ${kvmFleet.vms.length} VMs`
    } else {
      const hostsSpec = SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts))
      const fleet = await startSimFleet({
        hosts: hostsSpec.map((h) => ({ name: h.name })),
        baseDir: path.join(work, 'hosts')
      })
      cleanups.push(() => fleet.stop())
      installDemoHooks(fleet, failing)
      writeFileSync(inventoryPath, stringify(buildSeedInventory(fleet)))
      fleetLine = `  hosts    ${fleet.hosts.length} ssh2 servers on 127.0.0.1 (ports ${fleet.hosts.map((h) => h.port).join(', ')}), sandboxes in ${path.join(work, 'hosts')}`
    }
    const admin = {
      name: 'demo-admin',
      apiKey: randomBytes(18).toString('base64url'),
      secretKey: randomBytes(36).toString('base64url'),
      role: 'admin' as const
    }
    const keysPath = path.join(work, 'api-keys.yaml')
    writeFileSync(keysPath, stringify([admin]), { mode: 0o600 })
    const prefix = `demo-${randomBytes(4).toString('hex')}`
    const config = loadConfig({
      REDIS_URL: redis.url,
      ROLLMAINT_KEY_PREFIX: prefix,
      ROLLMAINT_INVENTORY: inventoryPath,
      ROLLMAINT_API_KEYS: keysPath,
      ROLLMAINT_DATA_DIR: path.join(work, 'data'),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info'
    })
    cleanups.push(async () => {
      if (redis.private) return // the whole server goes away
      await deleteKeyPrefix(redis.url, prefix)
    })
    // Logs go to a file so that the progress lines stay readable.
    const logFile = path.join(work, 'rollmaint.log')
    // Synchronous writes: hosts in flight may still log while everything shuts down.
    const logger = pino({ level: config.logLevel }, pino.destination({ dest: logFile, sync: true }))
    const inventory = loadInventory(inventoryPath)
    const worker = await createWorker({ config, inventory, logger })
    cleanups.push(() => worker.forceClose())
    // The console is served from dist/console; a fresh checkout has not built it yet.
    await ensureConsoleBuilt()
    const server = await startApi({ config, inventory, logger })
    cleanups.push(() => server.close())

    const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
    const client = createApiClient({ url: base, apiKey: admin.apiKey, secretKey: admin.secretKey })
    console.log(
      `rollmaint demo: the seed's two zones (3 clusters, 9 KVM hosts), ${kvm ? 'real KVM hosts (the KVM lab) running VMs' : 'simulated hosts speaking real SSH'}`
    )
    console.log(
      `  Redis    ${redis.private ? `private redis-server at ${redis.url}` : `${redis.url} (REDIS_URL)`}, key prefix {${prefix}}`
    )
    console.log(fleetLine)
    if (kvmFleet) printPlacement('VMs before', await kvmFleet.placement())
    console.log(`  API      ${base} and one worker, in this process; logs in ${logFile}`)
    for (const name of failing) console.log(`  --fail   the Maintenance script of ${name} will fail`)
    const zoneids = SEED_ZONES.map((z) => z.id).join(',')
    const { id } = await client.startRun({ zoneids })
    console.log(`POST /api/v1/rolling-maintenance {"zoneids":"${zoneids}"} -> 202, run ${id}\n`)

    const printer = new ProgressPrinter()
    // The CLI's follower: resumes with Last-Event-ID when the stream drops.
    await followRunEvents(client, id, {
      onEvent: (event) => printer.event(event),
      runEnded: async () => (await client.getRun(id)).result !== undefined
    })
    let view = await client.getRun(id)
    // The event stream can end a moment before the run record has its result (longer on a busy machine).
    for (let i = 0; !view.result && i < 300; i++) view = await sleep(100).then(() => client.getRun(id))
    if (!view.result) throw new Error(`run ${id} ended without a result (status ${view.status})`)
    const result: Result = view.result
    if (kvmFleet) printPlacement('\nVMs after (none lost: each runs on exactly one host)', await kvmFleet.placement())
    console.log(`\nGET /api/v1/rolling-maintenance/${id} -> status ${view.status}, result:`)
    console.log(JSON.stringify(result, null, 2))
    const ok = result.rollingmaintenance.success
    if (keep) {
      const cred = `${admin.apiKey}:${admin.secretKey}`
      console.log(
        [
          '',
          'Everything is still running (Ctrl-C stops it and cleans up):',
          `  Console     ${base}/ui/runs/${id}   (this run; sign in with the apiKey and secretKey below)`,
          `  API         ${base}/api/v1/rolling-maintenance`,
          `  Bull Board  ${base}/admin/queues`,
          `  API docs    ${base}/docs`,
          `  apiKey      ${admin.apiKey}`,
          `  secretKey   ${admin.secretKey}`,
          `  try         curl -u '${cred}' ${base}/api/v1/rolling-maintenance/${id}`,
          `              curl -u '${cred}' -H 'content-type: application/json' -d '{"clusterids":["${SEED_ZONES[0]!.clusters[0]!.id}"]}' ${base}/api/v1/rolling-maintenance`,
          `  logs        ${logFile}`
        ].join('\n')
      )
      await new Promise(() => undefined) // until a signal
    }
    await cleanup()
    return ok ? 0 : 1
  } catch (err) {
    // Stopping on a signal makes requests in flight fail: that is no error, and the signal handler exits.
    if (firstSignalAt !== undefined) return new Promise<never>(() => undefined)
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
    await cleanup()
    return 1
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('demo failed:', err)
    process.exit(1)
  }
)
