import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'

/** `rollmaint cancel-maintenance HOST_ID`: CloudStack's cancelHostMaintenance, for a host a run left in maintenance. */
export function cancelMaintenanceCommand(connect: () => ApiClient): Command {
  return new Command('cancel-maintenance')
    .argument('<host-id>', 'host id from the inventory')
    .description(
      'after checking the host by hand: set a host left in maintenance (ErrorInMaintenance) back to Enabled and free its cluster'
    )
    .action(async (id: string) => {
      const host = await connect().cancelHostMaintenance(id)
      process.stdout.write(
        `host ${host.name} (${host.id}) is ${host.resourceState}; its cluster ${host.clusterId} can take part in runs again\n`
      )
    })
}
