import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'

/** `rollmaint status ID`: the run as the API shows it (status, progress, result once ended). */
export function statusCommand(connect: () => ApiClient): Command {
  return new Command('status')
    .argument('<id>', 'run id')
    .description('show a run: status, progress and result')
    .action(async (id: string) => {
      process.stdout.write(`${JSON.stringify(await connect().getRun(id), null, 2)}\n`)
    })
}
