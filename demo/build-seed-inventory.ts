import os from 'node:os'
import { SEED_ZONES } from './seed-fleet.js'
import type { SimFleet } from './sim-ssh-host.js'

/** The inventory document (docs/inventory.md) for the simulated seed fleet; `address` says how workers reach the hosts. */
export function buildSeedInventory(fleet: SimFleet, address: (name: string) => string = () => '127.0.0.1'): unknown {
  const sim = new Map(fleet.hosts.map((h) => [h.name, h]))
  return {
    defaults: { user: os.userInfo().username, privateKeyPath: fleet.privateKeyPath },
    zones: SEED_ZONES.map((z) => ({
      id: z.id,
      name: z.name,
      pods: [
        {
          id: `${z.id}-pod1`,
          name: `${z.name}-pod1`,
          clusters: z.clusters.map((c) => ({
            id: c.id,
            name: c.name,
            hosts: c.hosts.map((h) => {
              const s = sim.get(h.name)!
              return {
                id: h.id,
                name: h.name,
                address: address(h.name),
                port: s.port,
                hostKey: s.hostKey,
                hooksDir: s.hooksDir,
                stateDir: s.stateDir,
                bootIdPath: s.bootIdPath
              }
            })
          }))
        }
      ]
    }))
  }
}
