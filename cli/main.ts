import { Command, InvalidArgumentError } from 'commander'
import { CliHttpError, createApiClient, type ApiClient } from './api-client.js'
import { watchRun } from './watch-run.js'

const EXIT_USAGE = 2

function client(flags: { url: string; apiKey?: string; secretKey?: string }): ApiClient {
  const opts = { url: flags.url, apiKey: flags.apiKey ?? process.env.ROLLMAINT_API_KEY, secretKey: flags.secretKey ?? process.env.ROLLMAINT_SECRET_KEY }
  if (!opts.apiKey || !opts.secretKey) {
    throw new CliHttpError(0, 'set --api-key and --secret-key (or ROLLMAINT_API_KEY and ROLLMAINT_SECRET_KEY)')
  }
  return createApiClient({ url: opts.url, apiKey: opts.apiKey, secretKey: opts.secretKey })
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of seconds, at least 1')
  return Number(value)
}

/** Prints the run's result in the seed's JSON shape; exit 0 only when the run succeeded. */
async function finish(api: ApiClient, runId: string): Promise<number> {
  const view = await api.getRun(runId)
  process.stdout.write(`${JSON.stringify(view.result ?? { status: view.status }, null, 2)}\n`)
  return view.result?.rollingmaintenance.success ? 0 : 1
}

export function buildCli(): Command {
  const program = new Command('rollmaint')
    .description('Rolling maintenance of KVM hosts: start, follow, list and cancel runs')
    .option('--url <url>', 'rollmaint API', process.env.ROLLMAINT_URL ?? 'http://127.0.0.1:8080')
    // No commander defaults for credentials: help output would print them.
    .option('--api-key <key>', 'API key (or ROLLMAINT_API_KEY)')
    .option('--secret-key <secret>', 'secret key (or ROLLMAINT_SECRET_KEY)')
    .showHelpAfterError()
    .exitOverride()

  program
    .command('start')
    .description('start a rolling maintenance over zones, pods, clusters or hosts (their union)')
    .option('--zoneids <ids>', 'comma-separated zone ids')
    .option('--podids <ids>', 'comma-separated pod ids')
    .option('--clusterids <ids>', 'comma-separated cluster ids')
    .option('--hostids <ids>', 'comma-separated host ids')
    .option('--forced', 'skip failing hosts instead of failing the run')
    .option('--payload <text>', 'passed to every stage script as $1')
    .option('--timeout <seconds>', 'stage timeout', positiveInt)
    .option('--watch', 'follow the run live and print its result; exit 0 only on success')
    .action(async (o: Record<string, string | boolean | number | undefined>) => {
      const api = client(program.opts())
      const run = await api.startRun({
        ...(['zoneids', 'podids', 'clusterids', 'hostids'] as const).reduce((acc, k) => (o[k] ? { ...acc, [k]: String(o[k]) } : acc), {}),
        ...(o.forced ? { forced: true } : {}),
        ...(o.payload !== undefined ? { payload: String(o.payload) } : {}),
        ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
      })
      if (!o.watch) {
        process.stdout.write(`${JSON.stringify({ id: run.id, status: run.status }, null, 2)}\n`)
        return
      }
      process.stderr.write(`run ${run.id} started\n`)
      await watchRun(api, run.id)
      process.exitCode = await finish(api, run.id)
    })

  program
    .command('status <id>')
    .description('show a run: status, progress and result')
    .action(async (id: string) => {
      process.stdout.write(`${JSON.stringify(await client(program.opts()).getRun(id), null, 2)}\n`)
    })

  program
    .command('list')
    .description('recent runs, newest first')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .action(async (o: { limit: number }) => {
      const { runs } = await client(program.opts()).listRuns(o.limit)
      const rows = runs.map((r) => [r.id, r.status, r.createdAt, `${r.progress.hostsDone}/${r.progress.hostsTotal}`])
      const header = ['ID', 'STATUS', 'CREATED', 'HOSTS']
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
      for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`)
    })

  program
    .command('cancel <id>')
    .description('cancel a run: hosts in progress finish their cycle, no new host starts')
    .action(async (id: string) => {
      const run = await client(program.opts()).cancelRun(id)
      process.stdout.write(`cancel requested for run ${run.id} (status ${run.status}); hosts in progress finish their cycle\n`)
    })
  return program
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string }
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : EXIT_USAGE
    }
    process.stderr.write(`rollmaint: ${e.message ?? String(err)}\n`)
    return EXIT_USAGE
  }
}
