import os from 'node:os'
import { SEED_ZONES } from './seed-fleet.js'
import type { SimFleet } from './sim-ssh-host.js'

/**
 * The seed fleet's zones, one pod each, and clusters as an inventory document (docs/inventory.md),
 * with these defaults and each host's connection fields from `connect` (by host name).
 */
export function seedInventoryDoc(
  defaults: Record<string, unknown>,
  connect: (name: string) => Record<string, unknown>
): { defaults: Record<string, unknown>; zones: unknown[] } {
  return {
    defaults,
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
            hosts: c.hosts.map((h) => ({ id: h.id, name: h.name, ...connect(h.name) }))
          }))
        }
      ]
    }))
  }
}

/** The inventory document for the simulated seed fleet; `address` says how workers reach the hosts. */
export function buildSeedInventory(fleet: SimFleet, address: (name: string) => string = () => '127.0.0.1'): unknown {
  const sim = new Map(fleet.hosts.map((h) => [h.name, h]))
  return seedInventoryDoc({ user: os.userInfo().username, privateKeyPath: fleet.privateKeyPath }, (name) => {
    const s = sim.get(name)!
    return {
      address: address(name),
      port: s.port,
      hostKey: s.hostKey,
      hooksDir: s.hooksDir,
      stateDir: s.stateDir,
      bootIdPath: s.bootIdPath
    }
  })
}
