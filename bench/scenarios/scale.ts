import { readFileSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedisConnection } from '../../store/connection.js'
import { getRun, median, percentile, startBenchApi, startRun, startWorkerProcess, AUTH } from '../bench-env.js'

export interface ScaleResult {
  workers: number
  clusters: number
  hostsPerCluster: number
  wallMs: number
  hostCyclesPerSec: number
  redisUsedMemoryMb: number
  redisConnectionsPerWorker: number
  /** GETs of the run while it runs (polled every 100 ms, as the "before" checkout does): what a console or a script sees meanwhile. */
  apiGetP50Ms: number
  apiGetP99Ms: number
  /** The GET that returned the finished run, with its result (every host of the run listed). */
  apiGetFinishedMs: number
  /** Cores' worth of CPU Redis used during the run (user + sys seconds / wall seconds). */
  redisCpuCores: number
  /** The same for all worker processes together, and for this process (the API and the polling client). */
  workersCpuCores: number
  apiCpuCores: number
  /**
   * CPU time per host cycle, from the processes' own counters (worker processes: /proc stat; Redis:
   * INFO cpu), so the figure holds on a machine whose cores other work also uses.
   */
  workerCpuMsPerHostCycle: number
  redisCpuMsPerHostCycle: number
  success: boolean
}

function inventoryDoc(clusters: number, hostsPerCluster: number): unknown {
  const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'
  return {
    defaults: { hostKey },
    zones: [
      {
        id: 'bench-zone',
        name: 'bench-zone',
        pods: [
          {
            id: 'bench-pod',
            name: 'bench-pod',
            clusters: Array.from({ length: clusters }, (_, c) => ({
              id: `c${c}`,
              name: `cluster-${c}`,
              hosts: Array.from({ length: hostsPerCluster }, (_, h) => ({
                id: `c${c}h${h}`,
                name: `kvm-${c}-${h}`,
                address: '192.0.2.1'
              }))
            }))
          }
        ]
      }
    ]
  }
}

/** CPU seconds (user + system) a live process has used, from /proc (Linux clock ticks: 100 per second). */
function processCpuSec(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  // after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based over the whole line)
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * 1,000 clusters × 10 hosts through the real API, BullMQ and Redis, with worker processes whose
 * executor is SIMULATED (it skips the network and the hosts; stages take no time).
 */
export async function scaleScenario(
  redisUrl: string,
  workers: number,
  clusters = 1000,
  hostsPerCluster = 10
): Promise<ScaleResult> {
  const api = await startBenchApi(redisUrl, inventoryDoc(clusters, hostsPerCluster), {
    ROLLMAINT_MAX_PARALLEL_CLUSTERS: '1000',
    ROLLMAINT_WORKER_CONCURRENCY: '100'
  })
  const admin = createRedisConnection(api.config.redis, 'tool')
  const procs: ChildProcess[] = []
  try {
    const clientsBefore = ((await admin.client('LIST')) as string).trim().split('\n').length
    for (let i = 0; i < workers; i++) procs.push(await startWorkerProcess('bench/sim-worker.ts', api.env))
    const clientsAfter = ((await admin.client('LIST')) as string).trim().split('\n').length
    const redisCpu = async (): Promise<number> => {
      const info = await admin.info('cpu')
      return (
        Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0)
      )
    }
    const cpuBefore = await redisCpu()
    const workersCpuBefore = procs.reduce((sum, p) => sum + processCpuSec(p.pid!), 0)
    const apiCpuBefore = process.cpuUsage()
    const started = Date.now()
    const id = await startRun(api, { zoneids: ['bench-zone'] })
    const latencies: number[] = []
    let view = await getRun(api, id)
    let finishedGetMs = NaN
    while (!view.result) {
      const t = performance.now()
      const res = await fetch(`${api.base}/api/v1/rolling-maintenance/${id}`, { headers: AUTH })
      view = (await res.json()) as typeof view
      // The finished run's view carries its result (10,000 hosts here): another payload, reported apart.
      if (view.result) finishedGetMs = performance.now() - t
      else latencies.push(performance.now() - t)
      if (!view.result) await sleep(100)
      if (Date.now() - started > 600_000) throw new Error('scale run did not finish in 10 minutes')
    }
    const wallMs = Date.now() - started
    const cores = (cpuSec: number) => Math.round((cpuSec / (wallMs / 1000)) * 100) / 100
    const hostCycles = clusters * hostsPerCluster
    const perCycleMs = (cpuSec: number) => Math.round(((cpuSec * 1000) / hostCycles) * 1000) / 1000
    const redisCpuSec = (await redisCpu()) - cpuBefore
    const workersCpuSec = procs.reduce((sum, p) => sum + processCpuSec(p.pid!), 0) - workersCpuBefore
    const redisCpuCores = cores(redisCpuSec)
    const workersCpuCores = cores(workersCpuSec)
    const apiCpu = process.cpuUsage(apiCpuBefore)
    const apiCpuCores = cores((apiCpu.user + apiCpu.system) / 1e6)
    const memory = /used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]
    return {
      workers,
      clusters,
      hostsPerCluster,
      wallMs,
      hostCyclesPerSec: Math.round((clusters * hostsPerCluster) / (wallMs / 1000)),
      redisUsedMemoryMb: Math.round((Number(memory) / 1024 / 1024) * 10) / 10,
      redisConnectionsPerWorker: (clientsAfter - clientsBefore) / workers,
      apiGetP50Ms: Math.round(median(latencies) * 10) / 10,
      apiGetP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
      apiGetFinishedMs: Math.round(finishedGetMs * 10) / 10,
      redisCpuCores,
      workersCpuCores,
      apiCpuCores,
      workerCpuMsPerHostCycle: perCycleMs(workersCpuSec),
      redisCpuMsPerHostCycle: perCycleMs(redisCpuSec),
      success:
        view.result.rollingmaintenance.success &&
        view.result.rollingmaintenance.hostsupdated.length === clusters * hostsPerCluster
    }
  } finally {
    // A profiled worker writes its profile on a clean exit: SIGTERM (drain, nothing left) first.
    if (process.env.BENCH_CPU_PROF)
      await Promise.all(procs.map((p) => new Promise((resolve) => (p.once('exit', resolve), p.kill('SIGTERM')))))
    for (const p of procs) p.kill('SIGKILL')
    admin.disconnect()
    await api.close()
  }
}
