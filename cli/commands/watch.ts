import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'
import { printResult } from '../print-result.js'
import { watchRun } from '../watch-run.js'

/** `rollmaint watch ID`: follows a run already started (or over: replays it), then prints its result. */
export function watchCommand(connect: () => ApiClient): Command {
  return new Command('watch')
    .argument('<id>', 'run id')
    .description('follow a run live (a finished one is replayed) and print its result; exit 0 only on success')
    .action(async (id: string) => {
      const api = connect()
      await watchRun(api, id)
      process.exitCode = await printResult(api, id)
    })
}
