import { Command } from 'commander'
import { createApiClient, type ApiClient } from './api-client.js'
import { cancelMaintenanceCommand } from './commands/cancel-maintenance.js'
import { cancelCommand } from './commands/cancel.js'
import { hostsCommand } from './commands/hosts.js'
import { inventoryCommand } from './commands/inventory-import.js'
import { listCommand } from './commands/list.js'
import { pauseCommand, resumeCommand, retryCommand } from './commands/run-controls.js'
import { startCommand } from './commands/start.js'
import { statusCommand } from './commands/status.js'
import { watchCommand } from './commands/watch.js'
import { resolveConnection, type ConnectionFlags } from './connection-options.js'

/** Usage errors, unreachable API and any error answer: a message on stderr and this code. */
const EXIT_ERROR = 2

export function buildCli(): Command {
  const program = new Command('rollmaint')
    .description(
      "Rolling maintenance of KVM hosts: start (or dry-run), follow, list, pause, resume, retry and cancel runs; list hosts, cancel a host's maintenance"
    )
    .option('--url <url>', 'rollmaint API (or ROLLMAINT_URL; default http://127.0.0.1:8080)')
    // No commander defaults for credentials: help output would print them.
    .option(
      '--api-key <key>',
      'API key (or ROLLMAINT_API_KEY); for `inventory import`, the CloudStack API key (or CLOUDSTACK_API_KEY)'
    )
    .option('--secret-key <secret>', 'secret key (or ROLLMAINT_SECRET_KEY)')
    .showHelpAfterError()
    .exitOverride()
  // Resolved when a command runs, so `--help` works without credentials.
  const connect = (): ApiClient => createApiClient(resolveConnection(program.opts<ConnectionFlags>(), process.env))
  for (const command of [
    startCommand,
    statusCommand,
    listCommand,
    cancelCommand,
    pauseCommand,
    resumeCommand,
    retryCommand,
    watchCommand,
    hostsCommand,
    cancelMaintenanceCommand
  ]) {
    program.addCommand(command(connect).exitOverride())
  }
  program.addCommand(inventoryCommand(() => program.opts<ConnectionFlags>().apiKey).exitOverride())
  return program
}

/** Runs the CLI and returns the exit code; `bin/rollmaint.js` sets it on the process. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    const e = err as { code?: string; message?: string }
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander has already written its message (and the help) to stderr.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
        ? 0
        : EXIT_ERROR
    }
    process.stderr.write(`rollmaint: ${e.message ?? String(err)}\n`)
    return EXIT_ERROR
  }
}
