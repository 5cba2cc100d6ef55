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
  type Scale = (url: string, workers: number) => Promise<ScaleResult>
  const scaleRow = (rows: ScaleResult[]): Record<string, number> =>
    medians(rows.map((r) => ({ ...r, success: r.success ? 1 : 0 })))
  const wantBaseline = want('scale-baseline') || (only.length === 0 && process.env.BENCH_BASELINE_DIR !== undefined)
  let baseline: { dir: string; scenario: Scale } | undefined
  if (wantBaseline) {
    // Issue 12: the same scenario on the code before the work (a checkout of that commit with its
    // own node_modules, e.g. `git worktree add ../base e78b907 && npm ci`), in the same run.
    const dir = process.env.BENCH_BASELINE_DIR
    if (!dir) throw new Error('scale-baseline needs BENCH_BASELINE_DIR: a checkout of the commit to compare with')
    const base = (await import(path.resolve(dir, 'bench/scenarios/scale.ts'))) as { scaleScenario: Scale }
    baseline = {
      dir,
      async scenario(url, workers) {
        const cwd = process.cwd()
        process.chdir(dir) // its worker processes start from its own tree
        try {
          return await base.scaleScenario(url, workers)
        } finally {
          process.chdir(cwd)
        }
      }
    }
  }
  let baselineMeasured = false
  if (want('scale')) {
    report.scale = []
    for (const workers of (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number)) {
      log(`scale: 1000 clusters x 10 hosts, ${workers} worker process(es), simulated executor`)
      const rows: ScaleResult[] = []
      const before: ScaleResult[] = []
      for (let i = 0; i < RUNS; i++) {
        rows.push(await scaleScenario(redis.url, workers))
        // The 1-worker comparison alternates with the code before, run for run: the two medians
        // then saw the same machine, whatever its load did meanwhile (a 2-core VM drifts by tens of %).
        if (workers === 1 && baseline) {
          log('scale-baseline: the same, on the code before (alternating with the runs above)')
          before.push(await baseline.scenario(redis.url, 1))
        }
      }
      report.scale.push(scaleRow(rows))
      if (before.length > 0) {
        report.scaleBaseline = { commit: commitOf(baseline!.dir), rows: [scaleRow(before)] }
        baselineMeasured = true
      }
    }
  }
  if (baseline && !baselineMeasured) {
    log('scale-baseline: 1000 clusters x 10 hosts, 1 worker process, simulated executor, on the code before')
    const before: ScaleResult[] = []
    for (let i = 0; i < RUNS; i++) before.push(await baseline.scenario(redis.url, 1))
    report.scaleBaseline = { commit: commitOf(baseline.dir), rows: [scaleRow(before)] }
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
