import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ensureRedis } from '../demo/start-private-redis.js'
import { median } from './bench-env.js'
import { machine, writeReport, type BenchReport } from './report.js'
import { ansibleScenario } from './scenarios/ansible.js'
import { evacuationScenario } from './scenarios/evacuation.js'
import { fleetOptions, fleetScenario } from './scenarios/fleet.js'
import { fleetTargets, renderFleetSection } from './scenarios/fleet-report.js'
import { overheadScenario } from './scenarios/overhead.js'
import { profileScenario } from './scenarios/profile.js'
import { scaleScenario } from './scenarios/scale.js'
import { seedScenario } from './scenarios/seed.js'

/** `npm run bench`: every scenario 3 times, medians, results in bench/results/. Not part of npm test. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)

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

const redis = await ensureRedis(process.env.REDIS_URL)
const log = (s: string) => process.stderr.write(`${s}\n`)
try {
  const dir = path.join(import.meta.dirname, 'results')
  const previous = path.join(dir, 'latest.json')
  // A run of some scenarios only keeps the other scenarios' last figures.
  const report: BenchReport =
    only.length > 0 && existsSync(previous)
      ? { ...(JSON.parse(readFileSync(previous, 'utf8')) as BenchReport), date: new Date().toISOString(), targets: [] }
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
  if (want('scale') || want('scale-baseline')) {
    // `scale-baseline` records the same scenario as the reference later runs are compared with
    // (issue 12: measured on the code before the round-trip cuts, kept beside the new figures).
    const rowsOut: Array<Record<string, number>> = []
    const workerCounts = (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number)
    for (const workers of workerCounts) {
      log(`scale: 1000 clusters x 10 hosts, ${workers} worker process(es), simulated executor`)
      const rows = []
      for (let i = 0; i < RUNS; i++) rows.push({ ...(await scaleScenario(redis.url, workers)), success: 1 })
      rowsOut.push(medians(rows.map((r) => ({ ...r, success: r.success ? 1 : 0 }))))
    }
    if (want('scale-baseline')) report.scaleBaseline = { commit: process.env.BENCH_COMMIT ?? 'unknown', rows: rowsOut }
    else report.scale = rowsOut
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
    report.fleet = { options: f.options, median: medians(f.runs), runs: f.runs, noop: f.noop, profile: f.profile }
  }
  const one = report.scale.find((s) => s.workers === 1)
  const t = (target: string, measured: string, met: boolean) => report.targets.push({ target, measured, met })
  if (report.overhead.overheadPerHostCycleMs !== undefined)
    t(
      'overhead <= 25 ms per host cycle (p50)',
      `${report.overhead.overheadPerHostCycleMs} ms`,
      report.overhead.overheadPerHostCycleMs <= 25
    )
  if (report.seed.ratioToIdeal !== undefined)
    t(
      'seed scenario <= 1.05 x ideal',
      `${report.seed.ratioToIdeal} x (${report.seed.wallMs} ms for an ideal ${report.seed.idealMs} ms)`,
      report.seed.ratioToIdeal <= 1.05
    )
  if (one) {
    t('10,000 hosts in <= 60 s with one worker', `${(one.wallMs! / 1000).toFixed(1)} s`, one.wallMs! <= 60_000)
    t('Redis memory <= 200 MB', `${one.redisUsedMemoryMb} MB`, one.redisUsedMemoryMb! <= 200)
    t('API p99 <= 50 ms during the run', `${one.apiGetP99Ms} ms`, one.apiGetP99Ms! <= 50)
  }
  if (report.ansible.overheadPerHostCycleMs !== undefined && report.overhead.overheadPerHostCycleMs !== undefined) {
    const ratio = Number(report.ansible.overheadPerHostCycleMs) / report.overhead.overheadPerHostCycleMs
    t('>= 10x less overhead than Ansible', `${ratio.toFixed(1)}x`, ratio >= 10)
  }
  if (report.fleet) report.targets.push(...fleetTargets(report.fleet))
  writeReport(dir, report, renderReadme(report))
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  await redis.stop()
}

function renderReadme(r: BenchReport): string {
  const rows = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `| ${k} | ${String(v)} |`)
      .join('\n')
  return `# Benchmark results

Measured ${r.date} on ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB (${r.machine.cpu}), Node ${r.machine.node}, by \`npm run bench\`
(each scenario 3 times; medians). Regenerate with \`npm run bench\`; \`npm run bench -- scale\` runs one scenario.

## Targets

| target | measured | met |
|---|---|---|
${r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} |`).join('\n')}

## 1. Overhead per host cycle (real sshd hosts, no-op stage scripts)

One cluster of 10 hosts. Overhead = (wall time - stage script time on the critical path) / 10. Gaps
are measured on the hosts' own clocks, from a stage's end to the next stage's start.

| figure | value |
|---|---|
${rows(r.overhead)}

## 2. The seed scenario (2 zones, 3 clusters, 9 real sshd hosts, Maintenance sleeps 2 s)

| figure | value |
|---|---|
${rows(r.seed)}

## 3 and 4. Scale and worker scaling (1,000 clusters x 10 hosts)

Through the real API, BullMQ and Redis, with worker processes whose executor is **simulated**: it
skips the network and the hosts (stages take no time); everything else is production code.

| workers | wall ms | host cycles/s | Redis MB after | Redis conns/worker | CPU cores: workers / Redis / API+client | API GET p50 ms | API GET p99 ms |
|---|---|---|---|---|---|---|---|
${r.scale.map((s) => `| ${s.workers} | ${s.wallMs} | ${s.hostCyclesPerSec} | ${s.redisUsedMemoryMb} | ${s.redisConnectionsPerWorker} | ${s.workersCpuCores ?? '?'} / ${s.redisCpuCores ?? '?'} / ${s.apiCpuCores ?? '?'} | ${s.apiGetP50Ms} | ${s.apiGetP99Ms} |`).join('\n')}

Throughput ratios: ${r.scale.map((s) => `${s.workers} worker(s) ${(s.hostCyclesPerSec! / (r.scale[0]?.hostCyclesPerSec ?? 1)).toFixed(2)}x`).join(', ')}.

![throughput vs workers](throughput.svg)

## 5. Evacuation on real KVM (libvirt driver, the KVM lab)

3 hosts of the KVM lab (each a real libvirtd and sshd; QEMU ${r.evacuation?.virtKvm === 0 ? 'in software emulation' : 'with KVM'}), 4 VMs of 128 MiB
on each, one rolling maintenance of the cluster through the real API and a worker: every host is
evacuated by \`virsh migrate --live --persistent --undefinesource\`, at most 2 migrations at once,
before its Maintenance script. Evacuation wall time (a host's first \`vm.migrating\` to its last
\`vm.migrated\`, summed over the 3 hosts) against the sum of the migrations' own durations; VM downtime
is libvirt's own figure (\`virsh domjobinfo --completed\`, Total downtime, read on the target).

${
  r.evacuation
    ? `| figure | value |
|---|---|
${rows(r.evacuation)}`
    : '(not run yet: `npm run bench -- evacuation`, needs root, qemu and libvirt)'
}

## Where the time goes (profile)

| figure (median) | ms |
|---|---|
${rows(r.profile ?? {})}

- **Process creation dominates on this machine.** \`sh -c true\` costs ${String(r.profile?.processSpawnMs ?? '?')} ms here (a
  sandboxed VM); on an ordinary Linux host it is well under 1 ms. One detached stage needs about
  eight processes on the host (the SSH session's shell, the runner, mkdir, flock, mv, the
  supervisor, setsid + the script, the waiting flock, tail), so a no-op stage costs
  ${String(r.profile?.runStageNoopMs ?? '?')} ms here (${String(r.profile?.runStageDirectNoopMs ?? '?')} ms with \`executor: direct\`), and a host cycle has three stages
  on the critical path plus the test scripts' own \`bash\` and \`date\` processes.
- **Orchestration is not the cost.** With the simulated executor the same path (API, BullMQ, Redis,
  leases, slots, records, events) finishes the seed's 9 hosts in about 70 ms, ~5 ms per host cycle.
- **What would meet the 25 ms target here:** a persistent runner per host connection (one shell kept
  open for the host cycle, stages started from it, so no new SSH session and shell per stage), and
  recording the supervisor's state with shell builtins only. On hosts with normal process creation
  cost the current design already sits near the target.
- **API latency on a 10,000-host run:** \`GET /api/v1/rolling-maintenance/:id\` used to read the run's
  host list and every host's record (10,000 JSON documents per request, every 100 ms), which also
  loaded Redis and slowed the workers. Progress counters are now moved by the same Lua scripts that
  write host records (\`shared/run-progress.ts\`), so a GET reads one hash of a few fields per
  cluster (about 12 ms p50 on an idle machine for 1,000 clusters, a 160 KB answer). p99 now sits at
  the 50 ms target (49.9 and 51.3 ms in two runs; p50 about 15 ms): the spread is the API waiting
  for a CPU or for Redis on a machine whose two cores it shares with the worker and Redis.
- **Worker scaling on 2 cores:** one worker process is CPU-bound on its one core (a Node event loop:
  BullMQ moves, Lua calls, JSON), Redis uses about a third of a core. A second worker adds what is
  left of the second core (about 1.25x); a fourth adds nothing, the two cores being full. The ratio
  measures this machine, not the design: workers share nothing but Redis, and each host cycle costs
  Redis a handful of small Lua calls.

### Fixed during this work (before → after, measured in the same way)

| cost | before | after |
|---|---|---|
| one SSH command (\`exec true\`): Nagle + delayed ACK | 52 ms | 11 ms (TCP_NODELAY) |
| a test host's SSH session: root's \`~/.bashrc\` (pyenv) sourced by sshd's bash | 530 ms | 51 ms (own HOME per test host) |
| one no-op detached stage | 100 ms | 62 ms (builtins instead of cat/tr/date/stat, exec tail) |
| seed scenario, 1 s Maintenance (in the test suite) | 10.5 s | 6.1 s (connection prefetch and pooling, fewer processes) |
| host jobs reading their run | whole run (all host records) per job: quadratic | one HMGET |
| progress view | one scan of all hosts per cluster: quadratic | one pass |
| API GET during the 10,000-host run (1 worker), p50 / p99 | 86.9 / 250.5 ms | 14.8 / 51.3 ms (progress counters) |
| 10,000-host run, 1 worker (GET no longer reads every host record) | 22.3 s, 448 cycles/s | 16.5 s, 605 cycles/s |

## 5. Ansible side by side

${String(r.ansible.version ?? '')} running the same four stage scripts over the same kind of sshd
hosts (10 hosts, PreFlight play first, then \`serial: 1\`, \`raw\` tasks, pipelining on).

| figure | value |
|---|---|
${rows(Object.fromEntries(Object.entries(r.ansible).filter(([k]) => k !== 'version')))}

${renderFleetSection(r.fleet)}`
}
