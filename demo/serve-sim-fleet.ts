import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import { buildSeedInventory } from './build-seed-inventory.js'
import { installDemoHooks, SEED_ZONES } from './seed-fleet.js'
import { startSimFleet } from './sim-ssh-host.js'

/**
 * The simulated seed fleet as a long-running service (docker-compose's `demo-hosts`): nine SSH
 * hosts on consecutive ports, and the matching inventory written where api and worker read it.
 * Env: SIM_DIR (shared volume), SIM_BIND (0.0.0.0), SIM_BASE_PORT (2201), SIM_ADVERTISE (hostname
 * the workers use to reach this service).
 */
async function main(): Promise<void> {
  const dir = process.env.SIM_DIR ?? '/var/lib/rollmaint-demo'
  mkdirSync(dir, { recursive: true })
  const fleet = await startSimFleet({
    hosts: SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts.map((h) => ({ name: h.name })))),
    baseDir: path.join(dir, 'hosts'),
    bindAddress: process.env.SIM_BIND ?? '0.0.0.0',
    basePort: Number(process.env.SIM_BASE_PORT ?? 2201)
  })
  installDemoHooks(fleet)
  const advertise = process.env.SIM_ADVERTISE ?? '127.0.0.1'
  const file = path.join(dir, 'inventory.yaml')
  writeFileSync(file, stringify(buildSeedInventory(fleet, () => advertise)))
  console.log(
    `simulated fleet: ${fleet.hosts.length} hosts on ${advertise}:${fleet.hosts[0]!.port}-${fleet.hosts.at(-1)!.port}; inventory ${file}`
  )
  const stop = (): void =>
    void fleet.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('stopping the simulated fleet failed:', err)
        process.exit(1)
      }
    )
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main().catch((err: unknown) => {
  console.error('the simulated fleet could not start:', err)
  process.exit(1)
})
