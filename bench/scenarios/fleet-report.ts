import type { FleetNoop, FleetResult, FleetRun } from './fleet.js'
import type { ProfileSummary } from './fleet-profile.js'

/** What latest.json keeps of the fleet scenario: medians of the timed runs, every run, the no-op count, the profile. */
export interface FleetReport {
  options: FleetResult['options']
  median: Record<string, number>
  runs: FleetRun[]
  noop: FleetNoop
  profile?: ProfileSummary | undefined
  load?: FleetResult['load'] | undefined
  /** When and on which commit this scenario ran (a run of other scenarios keeps these figures). */
  measured?: { date: string; commit: string } | undefined
  /** Free text kept with the figures: where the run was made, what was changed before it. */
  notes?: string[] | undefined
}

export function fleetTargets(f: FleetReport): Array<{ target: string; measured: string; met: boolean }> {
  const m = f.median
  const out: Array<{ target: string; measured: string; met: boolean }> = []
  if (m.ratioToIdeal !== undefined)
    out.push({
      target: `fleet (${f.options.hosts} sshd hosts / ${f.options.clusters} clusters): wall <= 3 x ideal`,
      measured: `${m.ratioToIdeal} x (${m.wallMs} ms for an ideal ${m.idealMs} ms)`,
      met: m.ratioToIdeal <= 3
    })
  if (m.preflightPhaseMs !== undefined)
    out.push({
      target: `fleet: PreFlight on ${f.options.hosts} hosts <= 3 s`,
      measured: `${m.preflightPhaseMs} ms`,
      met: m.preflightPhaseMs <= 3000
    })
  out.push({
    target: 'fleet: host processes per no-op stage beyond the script <= 2',
    measured: `${f.noop.hostProcessesPerStageBeyondScript} (${f.noop.hostProcessesPerHostCycle} per no-op host cycle, 4 scripts included)`,
    met: f.noop.hostProcessesPerStageBeyondScript <= 2
  })
  return out
}

const table = (o: object): string =>
  `| figure | value |\n|---|---|\n${Object.entries(o)
    .map(([k, v]) => `| ${k} | ${String(v)} |`)
    .join('\n')}`

/** The fleet section of bench/results/README.md. */
export function renderFleetSection(f: FleetReport | undefined): string {
  if (!f) return '## 6. Fleet: real sshd hosts at scale\n\n(not run yet: `npm run bench -- fleet`)\n'
  const o = f.options
  const profile = f.profile
    ? `Worker CPU profile of the first timed run (both worker processes, sampled every 0.5 ms, idle
excluded; ${f.profile.busyMs} ms busy). The samples are wall-clock: with the cores saturated, a write to a
loopback socket that wakes an sshd often loses the CPU to it, so the write calls (\`writeBuffer\`: ssh2's
packets; \`writeUtf8String\`: ioredis; \`writeString\`: the log) show more time than the CPU they use
(the workers used ${f.median.workerCpuMs} ms of CPU in a run, the median). The raw profiles are in
\`bench/results/fleet-profile/\` (open them in Chrome DevTools):

| where | ms | share |
|---|---|---|
${f.profile.byArea.map((a) => `| ${a.area} | ${a.ms} | ${a.share} % |`).join('\n')}

| function (self time) | ms | share |
|---|---|---|
${f.profile.top.map((t) => `| \`${t.fn.replaceAll('|', '\\|')}\` | ${t.ms} | ${t.share} % |`).join('\n')}
`
    : ''
  return `## 6. Fleet: real sshd hosts at scale (issue 16)

${o.hosts} real OpenSSH \`sshd\` hosts on 127.0.0.1 (each in a PID namespace of its own, so its
processes are counted exactly), ${o.clusters} clusters all in parallel
(\`ROLLMAINT_MAX_PARALLEL_CLUSTERS=${o.clusters}\`), Maintenance sleeps ${o.maintenanceSec} s, the other
stages are the bench's logging scripts; the real API in the bench process and ${o.workers} production
SSH worker processes (\`bench/scenarios/fleet-worker.ts\`: \`workers/main.ts\` plus a profiler switch),
started fresh for every run. Ideal = one cluster's Maintenance scripts back to back plus the longest
PreFlight script. Times from the hosts' own logs (\`bench/scenarios/fleet-timeline.ts\`). Medians
of ${f.runs.length} runs; \`npm run bench -- fleet\` (\`BENCH_FLEET_HOSTS\`, \`BENCH_FLEET_CLUSTERS\`,
\`BENCH_FLEET_MAINTENANCE_SEC\`, \`BENCH_FLEET_WORKERS\` change the shape).

${table(f.median)}

A no-op host cycle (all four scripts \`#!/bin/sh\` + \`exit 0\`), counted on the hosts' own pid
counters; \`runnerShellsPerHost\` is the number of distinct runner shells whose pid is in the
host's claim files (1: the shell PreFlight opened ran the whole cycle):

${table(f.noop)}

${analysis(f)}

${profile}${(f.notes ?? []).map((n) => `- ${n}`).join('\n')}
`
}

/** What the figures say, with this run's own numbers (kept in the renderer so a new run rewrites it). */
function analysis(f: FleetReport): string {
  const m = f.median
  const n = f.noop
  const load = f.load
    ? `Load average ${f.load.start} when the scenario started, ${f.load.end} when it ended (the
bench's own processes included), bench process nice ${f.load.nice} (its workers, sshd hosts and Redis inherit it).`
    : ''
  const cycles = f.options.hosts
  const when = f.measured ? `Measured ${f.measured.date} on commit ${f.measured.commit}. ` : ''
  return `${when}${load}

**Where the time goes.** POST to the first PreFlight script: ${m.firstPreflightStartMs} ms; the PreFlight
fan-out reaches the last host ${m.preflightStartSpreadMs} ms after the first (every host needs an SSH
handshake, the host's sshd a process per connection); last PreFlight end to the first
PreMaintenance: ${m.preflightToFirstHostMs} ms; then each cluster runs its hosts one after another (host cycle
p50 ${m.hostCycleP50Ms} ms for a ${f.options.maintenanceSec} s Maintenance, ${m.betweenStagesP50Ms} ms between two stages of a host,
${m.betweenHostsP50Ms} ms between two hosts, p50). The run is CPU-bound on this machine: per host cycle the hosts
used ${m.hostCpuMsPerHostCycle} ms of CPU (sshd and everything under it: connection set-up, runner,
scripts), the workers ${m.workerCpuMsPerHostCycle} ms, Redis ${Math.round((m.redisCpuMs! / cycles) * 10) / 10} ms; ${m.machineKernelSharePct} % of the machine's busy
time during the run was kernel time.

**Host processes.** A connection costs the host 3 processes (sshd's connection child, its
privilege-separated child, the runner shell), a stage none beyond its script (forked and exec'd
straight into the runner shell's process group, which the timeout signals), the timeouts of a connection's stages one \`sleep\` (the runner's
watchdog, kept while its time fits the next deadline), a run none (its stages' files go straight into
the state directory's \`runs/\`, made by the host's first session); the clean-up scan of old runs runs
at most once an hour. So a no-op host cycle on one connection is 4 scripts + 4 = 8 processes, 1 per
stage beyond the script. PreFlight runs as one job per cluster and the cluster job goes to the worker that ran it
(docs/operations.md#cluster-job-affinity), so a host's cycle stays on the connection its PreFlight
opened; one that did not (its worker went silent, or the pooled session was closed) pays a second
connection (3 more). Here ${n.hostsOnOneShellPct} % of the hosts ran their whole cycle on PreFlight's
runner shell (${n.runnerShellsPerHost} shells per host on average).`
}
