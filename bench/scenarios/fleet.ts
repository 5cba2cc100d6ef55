import { mkdirSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { invariantViolations } from '../../test/support/host-log-checks.js'
import { startSshdFleet, type SshdFleet } from '../../test/support/sshd-fleet.js'
import { createRedisConnection } from '../../store/connection.js'
import { readStageRecord } from '../../test/support/stage-journal.js'
import { getRun, startBenchApi, startRun, type BenchApi } from '../bench-env.js'
import { countersBetween, readHostCounters, type HostCounters } from '../host-counters.js'
import { machineTicks, startFleetWorker, type FleetWorker } from './fleet-processes.js'
import { summarizeProfiles, type ProfileSummary } from './fleet-profile.js'
import { fleetTimeline, type FleetTimeline } from './fleet-timeline.js'

export interface FleetOptions {
  hosts: number
  clusters: number
  maintenanceSec: number
  workers: number
  /** Timed runs (each on fresh worker processes, so no SSH session is left over from the run before). */
  runs: number
  /** Where the workers' CPU profiles of the first timed run go; none when unset. */
  profileDir?: string | undefined
}

/** `BENCH_FLEET_HOSTS`, `BENCH_FLEET_CLUSTERS`, `BENCH_FLEET_MAINTENANCE_SEC`, `BENCH_FLEET_WORKERS`. */
export function fleetOptions(env: NodeJS.ProcessEnv, runs: number, profileDir?: string): FleetOptions {
  const num = (name: string, fallback: number): number => (env[name] ? Number(env[name]) : fallback)
  return {
    hosts: num('BENCH_FLEET_HOSTS', 100),
    clusters: num('BENCH_FLEET_CLUSTERS', 20),
    maintenanceSec: num('BENCH_FLEET_MAINTENANCE_SEC', 0.5),
    workers: num('BENCH_FLEET_WORKERS', 2),
    runs,
    profileDir
  }
}

export interface FleetRun extends FleetTimeline {
  wallMs: number
  /** The scripts' critical path: one cluster's Maintenance scripts one after another, plus the longest PreFlight. */
  idealMs: number
  ratioToIdeal: number
  success: number
  invariantHeld: number
  /** Host-side processes per host cycle with the bench's logging scripts (bash + date), scripts included. */
  hostProcessesPerHostCycle: number
  /** Host CPU (each host's sshd and everything it started) per host cycle. */
  hostCpuMsPerHostCycle: number
  /** Distinct runner shells that ran a host's four stages (mean): 1 means PreFlight's shell was kept for the cycle. */
  runnerShellsPerHost: number
  /** Hosts whose four stages all ran in PreFlight's runner shell (one SSH connection for the run). */
  hostsOnOneShellPct: number
  workerCpuMs: number
  workerCpuMsPerHostCycle: number
  redisCpuMs: number
  apiCpuMs: number
  /** Share of the machine's busy CPU time spent in the kernel during the run. */
  machineKernelSharePct: number
  loadAverage1m: number
}

export interface FleetNoop {
  /** A no-op host cycle (`#!/bin/sh` + `exit 0` for all four stages): host processes, scripts included. */
  hostProcessesPerHostCycle: number
  /** The same, the four scripts taken off, per stage: what rollmaint costs a host per stage. */
  hostProcessesPerStageBeyondScript: number
  hostCpuMsPerHostCycle: number
  runnerShellsPerHost: number
  hostsOnOneShellPct: number
  wallMs: number
}

export interface FleetResult {
  options: Omit<FleetOptions, 'profileDir'>
  runs: FleetRun[]
  noop: FleetNoop
  profile?: ProfileSummary | undefined
  /** 1-minute load average when the scenario started and ended, and the bench process's nice value. */
  load: { start: number; end: number; nice: number }
}

const round2 = (v: number): number => Math.round(v * 100) / 100
const STAGES = ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance'] as const

function layout(o: FleetOptions): Array<{ id: string; hosts: string[] }> {
  const per = Math.ceil(o.hosts / o.clusters)
  const out: Array<{ id: string; hosts: string[] }> = []
  for (let c = 0; c * per < o.hosts; c++) {
    const id = `fc${String(c).padStart(2, '0')}`
    const size = Math.min(per, o.hosts - c * per)
    out.push({ id, hosts: Array.from({ length: size }, (_, h) => `${id}-h${h}`) })
  }
  return out
}

function inventoryDoc(fleet: SshdFleet, clusters: Array<{ id: string; hosts: string[] }>): unknown {
  const host = (name: string) => {
    const h = fleet.hostConfig(name)
    const { address, port, hostKey, hooksDir, stateDir, bootIdPath } = h
    return { id: name, name, address, port, hostKey, hooksDir, stateDir, bootIdPath }
  }
  const pods = [
    { id: 'fp', name: 'fp', clusters: clusters.map((c) => ({ id: c.id, name: c.id, hosts: c.hosts.map(host) })) }
  ]
  return {
    defaults: { user: os.userInfo().username, privateKeyPath: fleet.privateKeyPath },
    zones: [{ id: 'fz', name: 'fz', pods }]
  }
}

/** The distinct runner shells (the pid in each stage's claim in the run's journal) that ran a host's stages of one run. */
function runnerShells(fleet: SshdFleet, runId: string, host: string): number {
  const pids = new Set<number>()
  for (const stage of STAGES) {
    const shell = readStageRecord(fleet.host(host).stateDir, runId, host, stage)?.shell
    if (shell !== undefined) pids.add(shell)
  }
  return pids.size
}

interface OneRun {
  wallMs: number
  postedAt: number
  resultAt: number
  runId: string
  success: boolean
  hosts: HostCounters
  workerCpuMs: number
  redisCpuMs: number
  apiCpuMs: number
  kernelSharePct: number
  loadAverage1m: number
}

async function oneRun(
  fleet: SshdFleet,
  api: BenchApi,
  o: FleetOptions,
  clusterIds: string[],
  profileTo?: string
): Promise<OneRun> {
  const env = { ...api.env, LOG_LEVEL: 'info', ROLLMAINT_MAX_PARALLEL_CLUSTERS: String(o.clusters) }
  const workers: FleetWorker[] = await Promise.all(Array.from({ length: o.workers }, () => startFleetWorker(env)))
  const admin = createRedisConnection(api.config.redis, 'tool')
  const redisCpuMs = async (): Promise<number> => {
    const info = await admin.info('cpu')
    const sec = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0)
    return (sec('used_cpu_user') + sec('used_cpu_sys')) * 1000
  }
  try {
    const names = fleet.hosts.map((h) => h.name)
    const before = names.map((n) => readHostCounters(fleet.host(n).pid!))
    if (profileTo) await Promise.all(workers.map((w) => w.startProfile()))
    const loadAverage1m = os.loadavg()[0]!
    const ticks0 = machineTicks()
    const w0 = workers.reduce((s, w) => s + w.cpuMs(), 0)
    const r0 = await redisCpuMs()
    const a0 = process.cpuUsage()
    const postedAt = Date.now()
    const runId = await startRun(api, { clusterids: clusterIds })
    let view = await getRun(api, runId)
    while (!view.result) {
      await sleep(50)
      view = await getRun(api, runId)
      if (Date.now() - postedAt > 600_000) throw new Error('fleet run did not finish in 10 minutes')
    }
    const resultAt = Date.now()
    const ticks1 = machineTicks()
    const workerCpuMs = workers.reduce((s, w) => s + w.cpuMs(), 0) - w0
    const redisCpu = (await redisCpuMs()) - r0
    const a = process.cpuUsage(a0)
    if (profileTo)
      await Promise.all(workers.map((w, i) => w.stopProfile(path.join(profileTo, `worker-${i}.cpuprofile`))))
    // Sessions end with their worker; their reaped processes' CPU then shows in sshd's counters.
    await Promise.all(workers.splice(0).map((w) => w.stop()))
    await sleep(500)
    const hosts = names
      .map((n, i) => countersBetween(before[i]!, readHostCounters(fleet.host(n).pid!)))
      .reduce((s, c) => ({ processes: s.processes + c.processes, cpuMs: s.cpuMs + c.cpuMs }), {
        processes: 0,
        cpuMs: 0
      })
    const busyUser = ticks1.user - ticks0.user
    const busySystem = ticks1.system - ticks0.system
    return {
      wallMs: resultAt - postedAt,
      postedAt,
      resultAt,
      runId,
      success: view.result.rollingmaintenance.success,
      hosts,
      workerCpuMs,
      redisCpuMs: Math.round(redisCpu),
      apiCpuMs: Math.round((a.user + a.system) / 1000),
      kernelSharePct: Math.round((busySystem / Math.max(1, busyUser + busySystem)) * 100),
      loadAverage1m: Math.round(loadAverage1m * 100) / 100
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    admin.disconnect()
  }
}

/**
 * Issue 16's fleet: N real OpenSSH hosts on loopback (each sshd in a PID namespace of its own, so
 * its processes can be counted), in clusters that all run at once, the real API and separate
 * production SSH worker processes. Timed runs use logging scripts (Maintenance sleeps), then one
 * run of no-op scripts counts what a host cycle costs the hosts.
 */
export async function fleetScenario(redisUrl: string, o: FleetOptions): Promise<FleetResult> {
  const loadStart = os.loadavg()[0]!
  const clusters = layout(o)
  const names = clusters.flatMap((c) => c.hosts)
  const fleet = await startSshdFleet({ hosts: names.map((name) => ({ name })), isolatePids: true })
  let api: BenchApi | undefined
  try {
    api = await startBenchApi(redisUrl, inventoryDoc(fleet, clusters), {
      ROLLMAINT_MAX_PARALLEL_CLUSTERS: String(o.clusters)
    })
    const clusterOf = new Map(clusters.flatMap((c) => c.hosts.map((h) => [h, c.id] as const)))
    const shells = (runId: string): { runnerShellsPerHost: number; hostsOnOneShellPct: number } => {
      const counts = names.map((n) => runnerShells(fleet, runId, n))
      return {
        runnerShellsPerHost: Math.round((counts.reduce((a, b) => a + b, 0) / counts.length) * 100) / 100,
        hostsOnOneShellPct: Math.round((counts.filter((c) => c === 1).length / counts.length) * 100)
      }
    }
    for (const n of names) {
      for (const stage of STAGES)
        fleet.writeHook(n, stage, fleet.loggingHook(stage === 'Maintenance' ? { sleepSec: o.maintenanceSec } : {}))
    }
    const runs: FleetRun[] = []
    let profile: ProfileSummary | undefined
    for (let i = 0; i < o.runs; i++) {
      const profileTo = i === 0 ? o.profileDir : undefined
      if (profileTo) mkdirSync(profileTo, { recursive: true })
      const mark = fleet.readHostLog().length
      const r = await oneRun(
        fleet,
        api,
        o,
        clusters.map((c) => c.id),
        profileTo
      )
      const log = fleet.readHostLog().slice(mark)
      const t = fleetTimeline(log, clusters, r.postedAt, r.resultAt)
      const perCluster = Math.max(...clusters.map((c) => c.hosts.length))
      const idealMs = Math.round(perCluster * o.maintenanceSec * 1000 + t.preflightScriptMaxMs)
      if (profileTo)
        profile = summarizeProfiles(
          readdirSync(profileTo)
            .filter((f) => f.endsWith('.cpuprofile'))
            .map((f) => path.join(profileTo, f))
        )
      runs.push({
        ...t,
        wallMs: r.wallMs,
        idealMs,
        ratioToIdeal: Math.round((r.wallMs / idealMs) * 100) / 100,
        success: r.success ? 1 : 0,
        invariantHeld: invariantViolations(log, (h) => clusterOf.get(h) ?? h).length === 0 ? 1 : 0,
        hostProcessesPerHostCycle: Math.round((r.hosts.processes / names.length) * 10) / 10,
        hostCpuMsPerHostCycle: Math.round((r.hosts.cpuMs / names.length) * 10) / 10,
        ...shells(r.runId),
        workerCpuMs: r.workerCpuMs,
        workerCpuMsPerHostCycle: Math.round((r.workerCpuMs / names.length) * 10) / 10,
        redisCpuMs: r.redisCpuMs,
        apiCpuMs: r.apiCpuMs,
        machineKernelSharePct: r.kernelSharePct,
        loadAverage1m: r.loadAverage1m
      })
      process.stderr.write(`fleet run ${i + 1}: ${JSON.stringify(runs.at(-1))}\n`)
    }
    for (const n of names) for (const stage of STAGES) fleet.writeHook(n, stage, '#!/bin/sh\nexit 0\n')
    const n = await oneRun(
      fleet,
      api,
      o,
      clusters.map((c) => c.id)
    )
    const perCycle = n.hosts.processes / names.length
    const noop: FleetNoop = {
      hostProcessesPerHostCycle: Math.round(perCycle * 10) / 10,
      hostProcessesPerStageBeyondScript: Math.round(((perCycle - STAGES.length) / STAGES.length) * 100) / 100,
      hostCpuMsPerHostCycle: Math.round((n.hosts.cpuMs / names.length) * 10) / 10,
      ...shells(n.runId),
      wallMs: n.wallMs
    }
    process.stderr.write(`fleet no-op run: ${JSON.stringify(noop)}\n`)
    const { profileDir: _dir, ...options } = o
    const load = { start: round2(loadStart), end: round2(os.loadavg()[0]!), nice: os.getPriority() }
    return { options, runs, noop, profile, load }
  } finally {
    await api?.close()
    await fleet.stop()
  }
}
