import { Command, InvalidArgumentError } from 'commander'
import type { ApiClient } from '../api-client.js'
import { printResult } from '../print-result.js'
import { watchRun } from '../watch-run.js'

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, at least 1')
  return Number(value)
}

interface StartFlags {
  zoneids?: string
  podids?: string
  clusterids?: string
  hostids?: string
  forced?: boolean
  payload?: string
  timeout?: number
  watch?: boolean
}

/** The request body from the flags; ids stay comma-separated strings, the API splits them. */
export function startBody(o: StartFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const k of ['zoneids', 'podids', 'clusterids', 'hostids'] as const) if (o[k]) body[k] = o[k]
  if (o.forced) body.forced = true
  if (o.payload !== undefined) body.payload = o.payload
  if (o.timeout !== undefined) body.timeout = o.timeout
  return body
}

/** `rollmaint start`: starts a run; with --watch follows it and exits by its outcome. */
export function startCommand(connect: () => ApiClient): Command {
  return new Command('start')
    .description('start a rolling maintenance over zones, pods, clusters or hosts (their union)')
    .option('--zoneids <ids>', 'comma-separated zone ids')
    .option('--podids <ids>', 'comma-separated pod ids')
    .option('--clusterids <ids>', 'comma-separated cluster ids')
    .option('--hostids <ids>', 'comma-separated host ids')
    .option('--forced', 'skip failing hosts instead of failing the run')
    .option('--payload <text>', 'passed to every stage script as $1')
    .option('--timeout <seconds>', 'stage timeout in seconds', positiveInt)
    .option('--watch', 'follow the run live and print its result; exit 0 only on success')
    .action(async (o: StartFlags) => {
      const api = connect()
      const run = await api.startRun(startBody(o))
      if (!o.watch) {
        process.stdout.write(`${JSON.stringify({ id: run.id, status: run.status }, null, 2)}\n`)
        return
      }
      process.stderr.write(`run ${run.id} started\n`)
      await watchRun(api, run.id)
      process.exitCode = await printResult(api, run.id)
    })
}
