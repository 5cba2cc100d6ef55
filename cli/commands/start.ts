import { Command, InvalidArgumentError } from 'commander'
import type { ApiClient } from '../api-client.js'
import { printResult } from '../print-result.js'
import { renderPlan } from '../render-plan.js'
import { watchRun } from '../watch-run.js'

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, at least 1')
  return Number(value)
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more')
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
  dryRun?: boolean
  maxFailures?: number
  canary?: number
  soak?: number
  windowDays?: string
  windowStart?: string
  windowEnd?: string
  windowTz?: string
}

/** The window flags go together: start, end and time zone are all needed, days is optional. */
function windowOf(o: StartFlags): Record<string, unknown> | undefined {
  const given = [o.windowStart, o.windowEnd, o.windowTz, o.windowDays].some((v) => v !== undefined)
  if (!given) return undefined
  if (o.windowStart === undefined || o.windowEnd === undefined || o.windowTz === undefined) {
    throw new InvalidArgumentError(
      'a window needs --window-start, --window-end and --window-tz (and optionally --window-days)'
    )
  }
  const window: Record<string, unknown> = { start: o.windowStart, end: o.windowEnd, timezone: o.windowTz }
  if (o.windowDays !== undefined)
    window.days = o.windowDays
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter((d) => d !== '')
  return window
}

/** The request body from the flags; ids stay comma-separated strings, the API splits them. */
export function startBody(o: StartFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const k of ['zoneids', 'podids', 'clusterids', 'hostids'] as const) if (o[k]) body[k] = o[k]
  if (o.forced) body.forced = true
  if (o.payload !== undefined) body.payload = o.payload
  if (o.timeout !== undefined) body.timeout = o.timeout
  if (o.dryRun) body.dryRun = true
  if (o.maxFailures !== undefined) body.maxFailures = o.maxFailures
  if (o.canary !== undefined) body.canary = o.canary
  if (o.soak !== undefined) body.soakSeconds = o.soak
  const window = windowOf(o)
  if (window) body.window = window
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
    .option('--dry-run', 'print the plan (per cluster, each host with action and reason); start nothing')
    .option(
      '--max-failures <n>',
      'host failures skipped as with --forced before the next one stops the run',
      nonNegativeInt
    )
    .option(
      '--canary <n>',
      'pause the run once this many hosts are updated (resume with `rollmaint resume`)',
      positiveInt
    )
    .option(
      '--soak <seconds>',
      "wait this long after a host's PostMaintenance before the cluster's next host",
      nonNegativeInt
    )
    .option('--window-start <HH:MM>', 'new hosts start only inside the window from this time ...')
    .option('--window-end <HH:MM>', '... to this time (earlier than the start = overnight) ...')
    .option('--window-tz <zone>', '... in this IANA time zone (e.g. Europe/Berlin) ...')
    .option('--window-days <days>', '... on these days the window opens (mon,tue,...; default every day)')
    .action(async (o: StartFlags) => {
      const api = connect()
      const body = startBody(o)
      if (o.dryRun) {
        const { plan } = await api.planRun(body)
        process.stdout.write(`${renderPlan(plan)}\n`)
        // Like a real start would: 0 when it would start, 1 when it would be refused or end at once.
        process.exitCode = plan.wouldStart ? 0 : 1
        return
      }
      const run = await api.startRun(body)
      if (!o.watch) {
        process.stdout.write(`${JSON.stringify({ id: run.id, status: run.status }, null, 2)}\n`)
        return
      }
      process.stderr.write(`run ${run.id} started\n`)
      await watchRun(api, run.id)
      process.exitCode = await printResult(api, run.id)
    })
}
