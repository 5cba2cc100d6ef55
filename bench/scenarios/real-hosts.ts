import { Redis } from 'ioredis'
import { stageIntervals, type HostLogEntry } from '../../test/support/host-log-checks.js'
import { startSshdFleet, type SshdFleet } from '../../test/support/sshd-fleet.js'
import type { StageName } from '../../shared/types.js'
import { getRun, percentile, startBenchApi, startRun, type BenchApi } from '../bench-env.js'
import { startFleetWorker, type FleetWorker } from './fleet-processes.js'

export interface RealFleet {
  fleet: SshdFleet
  api: BenchApi
  worker: FleetWorker
  clusters: Array<{ id: string; hosts: string[] }>
  close(): Promise<void>
}

/**
 * Real OpenSSH hosts, the real API over HTTP in this process, and one production SSH worker in a
 * process of its own, as rollmaint is deployed (docker-compose.yml: the API and the workers are
 * separate services): the API's requests and the client's polling do not share the worker's event
 * loop, as they would not in production.
 */
export async function startRealFleet(
  redisUrl: string,
  clusters: Array<{ id: string; hosts: string[] }>
): Promise<RealFleet> {
  const names = clusters.flatMap((c) => c.hosts)
  const fleet = await startSshdFleet({ hosts: names.map((name) => ({ name })) })
  const doc = {
    defaults: { user: 'root', privateKeyPath: fleet.privateKeyPath },
    zones: [
      {
        id: 'z',
        name: 'z',
        pods: [
          {
            id: 'p',
            name: 'p',
            clusters: clusters.map((c) => ({
              id: c.id,
              name: c.id,
              hosts: c.hosts.map((name) => {
                const h = fleet.hostConfig(name)
                return {
                  id: name,
                  name,
                  address: h.address,
                  port: h.port,
                  hostKey: h.hostKey,
                  hooksDir: h.hooksDir,
                  stateDir: h.stateDir,
                  bootIdPath: h.bootIdPath
                }
              })
            }))
          }
        ]
      }
    ]
  }
  const api = await startBenchApi(redisUrl, doc)
  const worker = await startFleetWorker(api.env)
  return {
    fleet,
    api,
    worker,
    clusters,
    async close() {
      await worker.stop()
      await api.close()
      await fleet.stop()
    }
  }
}

export function setAllHooks(
  fleet: SshdFleet,
  hosts: string[],
  stages: Partial<Record<StageName, { sleepSec?: number }>>
): void {
  for (const h of hosts)
    for (const [stage, spec] of Object.entries(stages)) fleet.writeHook(h, stage as StageName, fleet.loggingHook(spec))
}

export async function runAndWait(
  rf: RealFleet,
  body: Record<string, unknown>
): Promise<{ wallMs: number; log: HostLogEntry[]; success: boolean }> {
  const mark = rf.fleet.readHostLog().length
  const started = Date.now()
  const id = await startRun(rf.api, body)
  let view = await getRun(rf.api, id)
  while (!view.result) {
    // Every 100 ms, as the scale scenario polls: a client asking every few ms would take a good
    // part of a 2-core machine from the run it measures (each GET reads and builds the whole view).
    await new Promise((r) => setTimeout(r, 100))
    view = await getRun(rf.api, id)
  }
  // To the moment the result was stored (the run's finishedAt, same machine clock), not to when
  // this poll saw it: the poll's own delay is not rollmaint's.
  const finished = view.finishedAt ? Date.parse(view.finishedAt) : Date.now()
  return {
    wallMs: finished - started,
    log: rf.fleet.readHostLog().slice(mark),
    success: view.result.rollingmaintenance.success
  }
}

const ORDER: string[] = ['PreMaintenance', 'Maintenance', 'PostMaintenance']

/** Gaps measured on the hosts' own clocks: between a host's stages, and between hosts of a cluster. */
export function gaps(
  log: HostLogEntry[],
  cluster: string[]
): { betweenStages: number[]; betweenHosts: number[]; scriptMs: number } {
  const iv = stageIntervals(log)
  const betweenStages: number[] = []
  const betweenHosts: number[] = []
  let scriptMs = 0
  let previousEnd: number | undefined
  for (const host of cluster) {
    const stages = ORDER.map((s) => iv.find((i) => i.host === host && i.stage === s)).filter((i) => i !== undefined)
    for (const s of stages) scriptMs += s.end - s.start
    for (let k = 1; k < stages.length; k++) betweenStages.push(stages[k]!.start - stages[k - 1]!.end)
    if (previousEnd !== undefined && stages[0]) betweenHosts.push(stages[0].start - previousEnd)
    previousEnd = stages.at(-1)?.end
  }
  const preflight = iv.filter((i) => i.stage === 'PreFlight' && cluster.includes(i.host))
  scriptMs += preflight.length ? Math.max(...preflight.map((p) => p.end - p.start)) : 0
  return { betweenStages, betweenHosts, scriptMs }
}

export { percentile, Redis }
