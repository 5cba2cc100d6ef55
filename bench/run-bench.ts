import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ensureRedis } from '../demo/start-private-redis.js'
import { median } from './bench-env.js'
import { issue12Targets } from './issue12-targets.js'
import { renderReadme } from './render-readme.js'
import { machine, writeReport, type BenchReport } from './report.js'
import { ansibleScenario } from './scenarios/ansible.js'
import { evacuationScenario } from './scenarios/evacuation.js'
import { fleetOptions, fleetScenario } from './scenarios/fleet.js'
import { fleetTargets, renderFleetSection } from './scenarios/fleet-report.js'
import { overheadScenario } from './scenarios/overhead.js'
import { profileScenario } from './scenarios/profile.js'
import { scaleScenario, type ScaleResult } from './scenarios/scale.js'
import { seedScenario } from './scenarios/seed.js'

/** `npm run bench`: every scenario 3 times, medians, results in bench/results/. Not part of npm test. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)
// `npm run bench -- readme`: no scenario, the README rendered again from latest.json as it is.
const renderOnly = only.length === 1 && only[0] === 'readme'

function medians<T extends object>(rows: T[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const key of Object.keys(rows[0] ?? {})) {
    const values = rows
      .map((r) => (r as Record<string, unknown>)[key])
      .filter((v): v is number => typeof v === 'number')
    if (values.length === rows.length) out[key] = median(values)
  }
  return out
}

const commitOf = (dir: string): string => {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
const loadAtStart = os.loadavg()[0]!
const redis = await ensureRedis(process.env.REDIS_URL)
const log = (s: string) => process.stderr.write(`${s}\n`)
try {
  const dir = path.join(import.meta.dirname, 'results')
  const previous = path.join(dir, 'latest.json')
  // A run of some scenarios only keeps the other scenarios' last figures.
  const report: BenchReport =
    only.length > 0 && existsSync(previous)
      ? {
          ...(JSON.parse(readFileSync(previous, 'utf8')) as BenchReport),
          ...(renderOnly ? {} : { date: new Date().toISOString() }),
          targets: []
        }
      : {
          date: new Date().toISOString(),
          machine: machine(),
          profile: {},
          overhead: {},
          seed: {},
          ansible: {},
          scale: [],
          targets: []
        }
  if (!renderOnly) {
    report.machine = machine()
    report.runs = RUNS
    report.commit = commitOf(path.join(import.meta.dirname, '..'))
  }
  if (want('profile')) {
    log('profile: process creation, SSH set-up, one command, one stage')
    report.profile = { ...(await profileScenario()) }
  }
  if (want('overhead')) {
    log('overhead: 1 cluster x 10 real sshd hosts, no-op stages')
    report.overhead = medians(await overheadScenario(redis.url, RUNS))
  }
  if (want('seed')) {
    log('seed: 3 clusters x 3 real sshd hosts, Maintenance sleeps 2 s')
    report.seed = medians((await seedScenario(redis.url, RUNS)).map((r) => ({ ...r, success: r.success ? 1 : 0 })))
  }
  if (want('ansible')) {
    log('ansible: the same no-op stages over 10 sshd hosts, serial: 1')
    const rows = await ansibleScenario(RUNS)
    report.ansible = { ...medians(rows), version: rows[0]!.version }
  }
  const scaleRows = async (
    label: string,
    scenario: (url: string, workers: number) => Promise<ScaleResult>,
    workerCounts: number[]
  ): Promise<Array<Record<string, number>>> => {
    const rowsOut: Array<Record<string, number>> = []
    for (const workers of workerCounts) {
      log(`${label}: 1000 clusters x 10 hosts, ${workers} worker process(es), simulated executor`)
      const rows = []
      for (let i = 0; i < RUNS; i++) rows.push(await scenario(redis.url, workers))
      rowsOut.push(medians(rows.map((r) => ({ ...r, success: r.success ? 1 : 0 }))))
    }
    return rowsOut
  }
  if (want('scale'))
    report.scale = await scaleRows(
      'scale',
      scaleScenario,
      (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number)
    )
  if (want('scale-baseline') || (only.length === 0 && process.env.BENCH_BASELINE_DIR)) {
    // Issue 12: the same scenario on the code before the work (a checkout of that commit with its
    // own node_modules, e.g. `git worktree add ../base e78b907 && npm ci`), in the same run.
    const dir = process.env.BENCH_BASELINE_DIR
    if (!dir) throw new Error('scale-baseline needs BENCH_BASELINE_DIR: a checkout of the commit to compare with')
    const base = (await import(path.resolve(dir, 'bench/scenarios/scale.ts'))) as {
      scaleScenario: typeof scaleScenario
    }
    const cwd = process.cwd()
    process.chdir(dir) // its worker processes start from its own tree
    try {
      report.scaleBaseline = { commit: commitOf(dir), rows: await scaleRows('scale-baseline', base.scaleScenario, [1]) }
    } finally {
      process.chdir(cwd)
    }
  }
  if (want('evacuation')) {
    log('evacuation: KVM lab, 3 hosts x 4 VMs of 128 MiB, live migration (libvirt driver)')
    report.evacuation = medians(await evacuationScenario(redis.url, RUNS))
  }
  if (want('fleet')) {
    const o = fleetOptions(process.env, RUNS, path.join(dir, 'fleet-profile'))
    log(
      `fleet: ${o.hosts} real sshd hosts in ${o.clusters} clusters, Maintenance ${o.maintenanceSec} s, ${o.workers} workers`
    )
    const f = await fleetScenario(redis.url, o)
    report.fleet = {
      options: f.options,
      median: medians(f.runs),
      runs: f.runs,
      noop: f.noop,
      profile: f.profile,
      load: f.load,
      measured: { date: new Date().toISOString(), commit: report.commit ?? 'unknown' }
    }
  }
  report.targets.push(...issue12Targets(report))
  if (report.fleet) report.targets.push(...fleetTargets(report.fleet))
  if (!renderOnly) report.load = { start: loadAtStart, end: os.loadavg()[0]!, nice: os.getPriority() }
  writeReport(dir, report, `${renderReadme(report, dir)}\n${renderFleetSection(report.fleet)}`)
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  await redis.stop()
}
