import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'
import { renderHostTable } from '../render-host-table.js'

/** `rollmaint hosts [--state S]`: inventory hosts and their resource states. */
export function hostsCommand(connect: () => ApiClient): Command {
  return new Command('hosts')
    .description('inventory hosts with their resource state (Enabled, Maintenance, ErrorInMaintenance, ...)')
    .option('--state <state>', 'only hosts in this resource state, e.g. ErrorInMaintenance')
    .action(async (o: { state?: string }) => {
      const { hosts } = await connect().listHosts()
      process.stdout.write(`${renderHostTable(o.state ? hosts.filter((h) => h.resourceState === o.state) : hosts)}\n`)
    })
}
