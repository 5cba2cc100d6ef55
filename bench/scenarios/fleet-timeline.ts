import { stageIntervals, type HostLogEntry, type Interval } from '../../test/support/host-log-checks.js'
import { percentile } from '../bench-env.js'
import { gaps } from './real-hosts.js'

/** Where a fleet run's wall time went, from the hosts' own clocks (the stage scripts log their start and end). */
export interface FleetTimeline {
  /** POST of the run to the last PreFlight script's end: the PreFlight phase as a user sees it. */
  preflightPhaseMs: number
  /** POST to the first PreFlight script's start (run job, host checks, PreFlight jobs queued). */
  firstPreflightStartMs: number
  /** First to last PreFlight script start: how long the fan-out took to reach every host. */
  preflightStartSpreadMs: number
  /** The longest PreFlight script (its own time, part of the ideal). */
  preflightScriptMaxMs: number
  /** Last PreFlight end to the first PreMaintenance start (PreFlight judged, cluster jobs started). */
  preflightToFirstHostMs: number
  /** First to last cluster's first PreMaintenance start. */
  clusterStartSpreadMs: number
  /** A host's PreMaintenance start to its PostMaintenance end. */
  hostCycleP50Ms: number
  hostCycleP95Ms: number
  maintenanceScriptP50Ms: number
  betweenStagesP50Ms: number
  betweenStagesP95Ms: number
  betweenHostsP50Ms: number
  betweenHostsP95Ms: number
  /** The last PostMaintenance end to the result seen by the polling client. */
  lastHostToResultMs: number
}

const round = (v: number): number => Math.round(v)
const min = (v: number[]): number => Math.min(...v)
const max = (v: number[]): number => Math.max(...v)

export function fleetTimeline(
  log: HostLogEntry[],
  clusters: Array<{ id: string; hosts: string[] }>,
  postedAt: number,
  resultAt: number
): FleetTimeline {
  const iv = stageIntervals(log)
  const of = (stage: string): Interval[] => iv.filter((i) => i.stage === stage)
  const pf = of('PreFlight')
  const pre = of('PreMaintenance')
  const post = of('PostMaintenance')
  if (pf.length === 0 || pre.length === 0 || post.length === 0) throw new Error('the host log has no complete run')
  const betweenStages: number[] = []
  const betweenHosts: number[] = []
  const firstStarts: number[] = []
  for (const c of clusters) {
    const g = gaps(log, c.hosts)
    betweenStages.push(...g.betweenStages)
    betweenHosts.push(...g.betweenHosts)
    const starts = pre.filter((i) => c.hosts.includes(i.host)).map((i) => i.start)
    if (starts.length > 0) firstStarts.push(min(starts))
  }
  const cycles = pre.flatMap((p) => {
    const end = post.find((q) => q.host === p.host)
    return end ? [end.end - p.start] : []
  })
  const maint = of('Maintenance').map((i) => i.end - i.start)
  return {
    preflightPhaseMs: round(max(pf.map((i) => i.end)) - postedAt),
    firstPreflightStartMs: round(min(pf.map((i) => i.start)) - postedAt),
    preflightStartSpreadMs: round(max(pf.map((i) => i.start)) - min(pf.map((i) => i.start))),
    preflightScriptMaxMs: round(max(pf.map((i) => i.end - i.start))),
    preflightToFirstHostMs: round(min(pre.map((i) => i.start)) - max(pf.map((i) => i.end))),
    clusterStartSpreadMs: round(max(firstStarts) - min(firstStarts)),
    hostCycleP50Ms: round(percentile(cycles, 50)),
    hostCycleP95Ms: round(percentile(cycles, 95)),
    maintenanceScriptP50Ms: round(percentile(maint, 50)),
    betweenStagesP50Ms: round(percentile(betweenStages, 50)),
    betweenStagesP95Ms: round(percentile(betweenStages, 95)),
    betweenHostsP50Ms: round(percentile(betweenHosts, 50)),
    betweenHostsP95Ms: round(percentile(betweenHosts, 95)),
    lastHostToResultMs: round(resultAt - max(post.map((i) => i.end)))
  }
}
