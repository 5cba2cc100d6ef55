import path from 'node:path'
import { ensureRedis } from '../demo/start-private-redis.js'
import { median } from './bench-env.js'
import { machine, writeReport, type BenchReport } from './report.js'
import { ansibleScenario } from './scenarios/ansible.js'
import { overheadScenario } from './scenarios/overhead.js'
import { scaleScenario } from './scenarios/scale.js'
import { seedScenario } from './scenarios/seed.js'

/** `npm run bench`: every scenario 3 times, medians, results in bench/results/. Not part of npm test. */
const RUNS = 3
const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)

function medians<T extends object>(rows: T[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const key of Object.keys(rows[0] ?? {})) {
    const values = rows.map((r) => (r as Record<string, unknown>)[key]).filter((v): v is number => typeof v === 'number')
    if (values.length === rows.length) out[key] = median(values)
  }
  return out
}

const redis = await ensureRedis(process.env.REDIS_URL)
const log = (s: string) => process.stderr.write(`${s}\n`)
try {
  const report: BenchReport = { date: new Date().toISOString(), machine: machine(), overhead: {}, seed: {}, ansible: {}, scale: [], targets: [] }
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
  if (want('scale')) {
    for (const workers of [1, 2, 4]) {
      log(`scale: 1000 clusters x 10 hosts, ${workers} worker process(es), simulated executor`)
      const rows = []
      for (let i = 0; i < RUNS; i++) rows.push({ ...(await scaleScenario(redis.url, workers)), success: 1 })
      report.scale.push(medians(rows.map((r) => ({ ...r, success: r.success ? 1 : 0 }))))
    }
  }
  const one = report.scale.find((s) => s.workers === 1)
  const t = (target: string, measured: string, met: boolean) => report.targets.push({ target, measured, met })
  if (report.overhead.overheadPerHostCycleMs !== undefined) t('overhead <= 25 ms per host cycle (p50)', `${report.overhead.overheadPerHostCycleMs} ms`, report.overhead.overheadPerHostCycleMs <= 25)
  if (report.seed.ratioToIdeal !== undefined) t('seed scenario <= 1.05 x ideal', `${report.seed.ratioToIdeal} x (${report.seed.wallMs} ms for an ideal ${report.seed.idealMs} ms)`, report.seed.ratioToIdeal <= 1.05)
  if (one) {
    t('10,000 hosts in <= 60 s with one worker', `${(one.wallMs! / 1000).toFixed(1)} s`, one.wallMs! <= 60_000)
    t('Redis memory <= 200 MB', `${one.redisUsedMemoryMb} MB`, one.redisUsedMemoryMb! <= 200)
    t('API p99 <= 50 ms during the run', `${one.apiGetP99Ms} ms`, one.apiGetP99Ms! <= 50)
  }
  if (report.ansible.overheadPerHostCycleMs !== undefined && report.overhead.overheadPerHostCycleMs !== undefined) {
    const ratio = Number(report.ansible.overheadPerHostCycleMs) / report.overhead.overheadPerHostCycleMs
    t('>= 10x less overhead than Ansible', `${ratio.toFixed(1)}x`, ratio >= 10)
  }
  const dir = path.join(import.meta.dirname, 'results')
  writeReport(dir, report, renderReadme(report))
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  redis.stop()
}

function renderReadme(r: BenchReport): string {
  const rows = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `| ${k} | ${String(v)} |`).join('\n')
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

| workers | wall ms | host cycles/s | Redis MB after | Redis conns/worker | API GET p50 ms | API GET p99 ms |
|---|---|---|---|---|---|---|
${r.scale.map((s) => `| ${s.workers} | ${s.wallMs} | ${s.hostCyclesPerSec} | ${s.redisUsedMemoryMb} | ${s.redisConnectionsPerWorker} | ${s.apiGetP50Ms} | ${s.apiGetP99Ms} |`).join('\n')}

Throughput ratios: ${r.scale.map((s) => `${s.workers} worker(s) ${(s.hostCyclesPerSec! / (r.scale[0]?.hostCyclesPerSec ?? 1)).toFixed(2)}x`).join(', ')}.

![throughput vs workers](throughput.svg)

## 5. Ansible side by side

${String(r.ansible.version ?? '')} running the same four stage scripts over the same kind of sshd
hosts (10 hosts, PreFlight play first, then \`serial: 1\`, \`raw\` tasks, pipelining on).

| figure | value |
|---|---|
${rows(Object.fromEntries(Object.entries(r.ansible).filter(([k]) => k !== 'version')))}
`
}
