import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'
import { renderRunTable } from '../render-run-table.js'
import { positiveInt } from './start.js'

/** `rollmaint list`: recent runs as a table. */
export function listCommand(connect: () => ApiClient): Command {
  return new Command('list')
    .description('recent runs, newest first')
    .option('--limit <n>', 'how many (at most 500)', positiveInt, 20)
    .action(async (o: { limit: number }) => {
      const { runs } = await connect().listRuns(Math.min(500, o.limit))
      process.stdout.write(`${renderRunTable(runs)}\n`)
    })
}
