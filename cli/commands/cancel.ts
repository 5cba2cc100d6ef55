import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'

/** `rollmaint cancel ID`: asks the run to stop; it ends as `cancelled` once the hosts in hand are done. */
export function cancelCommand(connect: () => ApiClient): Command {
  return new Command('cancel')
    .argument('<id>', 'run id')
    .description('cancel a run: hosts in progress finish their cycle, no new host starts')
    .action(async (id: string) => {
      const run = await connect().cancelRun(id)
      process.stdout.write(
        `cancel requested for run ${run.id} (status ${run.status}); hosts in progress finish their cycle\n`
      )
    })
}
