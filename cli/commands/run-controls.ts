import { Command } from 'commander'
import type { ApiClient } from '../api-client.js'

/** `rollmaint pause ID`: no new host starts; hosts in their cycle finish it; status paused. */
export function pauseCommand(connect: () => ApiClient): Command {
  return new Command('pause')
    .argument('<id>', 'run id')
    .description('pause a run: no new host starts; hosts in their cycle finish it (a stage is never interrupted)')
    .action(async (id: string) => {
      const run = await connect().pauseRun(id)
      process.stdout.write(`run ${run.id} ${run.status}; hosts in their cycle finish it\n`)
    })
}

/** `rollmaint resume ID`: a paused run continues at its next host boundary. */
export function resumeCommand(connect: () => ApiClient): Command {
  return new Command('resume')
    .argument('<id>', 'run id')
    .description('resume a paused run')
    .action(async (id: string) => {
      const run = await connect().resumeRun(id)
      process.stdout.write(`run ${run.id} ${run.status}\n`)
    })
}

/** `rollmaint retry ID`: a new run over the hosts that failed, were skipped for a failure or never started. */
export function retryCommand(connect: () => ApiClient): Command {
  return new Command('retry')
    .argument('<id>', 'id of a finished run')
    .description(
      'start a new run over the hosts of a finished run that failed, were skipped for a failure, or never started'
    )
    .action(async (id: string) => {
      const run = await connect().retryRun(id)
      process.stdout.write(
        `${JSON.stringify({ id: run.id, status: run.status, retryOf: id, hosts: run.progress.hostsTotal }, null, 2)}\n`
      )
    })
}
