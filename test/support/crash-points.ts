import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'vitest'
import { HOSTS_QUEUE } from '../../shared/queue-names.js'
import type { StageName } from '../../shared/types.js'
import { clusterId, type E2E } from './e2e-env.js'
import type { HookSpec } from './hooks.js'
import { invariantViolations, startCounts } from './host-log-checks.js'

/** Two clusters of two hosts; the crash always targets m1a in cluster m1. */
export const CRASH_CLUSTERS = [
  { name: 'm1', hosts: ['m1a', 'm1b'] },
  { name: 'm2', hosts: ['m2a', 'm2b'] }
]
export const CRASH_HOSTS = CRASH_CLUSTERS.flatMap((c) => c.hosts)
export const crashClusterOf = (h: string): string => CRASH_CLUSTERS.find((c) => c.hosts.includes(h))!.name

/** Every stage succeeds at once but Maintenance, which takes a moment. */
export const CRASH_BASE_HOOKS: Partial<Record<StageName, HookSpec>> = {
  PreFlight: {},
  PreMaintenance: {},
  Maintenance: { sleepSec: 0.3 },
  PostMaintenance: {}
}

export interface CrashPoint {
  fault: string
  host: string
  stage: StageName
  event: 'start' | 'end'
  hooks: Partial<Record<StageName, HookSpec>>
}

/** Every point of a host cycle where a worker can die. */
export const WORKER_CRASH_POINTS: CrashPoint[] = [
  {
    fault: 'worker killed during PreFlight',
    host: 'm1a',
    stage: 'PreFlight',
    event: 'start',
    hooks: { ...CRASH_BASE_HOOKS, PreFlight: { sleepSec: 1 } }
  },
  {
    fault: 'worker killed during PreMaintenance',
    host: 'm1a',
    stage: 'PreMaintenance',
    event: 'start',
    hooks: { ...CRASH_BASE_HOOKS, PreMaintenance: { sleepSec: 1 } }
  },
  {
    fault: 'worker killed entering maintenance',
    host: 'm1a',
    stage: 'PreMaintenance',
    event: 'end',
    hooks: CRASH_BASE_HOOKS
  },
  {
    fault: 'worker killed during Maintenance',
    host: 'm1a',
    stage: 'Maintenance',
    event: 'start',
    hooks: { ...CRASH_BASE_HOOKS, Maintenance: { sleepSec: 2 } }
  },
  {
    fault: 'worker killed exiting maintenance',
    host: 'm1a',
    stage: 'Maintenance',
    event: 'end',
    hooks: CRASH_BASE_HOOKS
  },
  {
    fault: 'worker killed during PostMaintenance',
    host: 'm1a',
    stage: 'PostMaintenance',
    event: 'start',
    hooks: { ...CRASH_BASE_HOOKS, PostMaintenance: { sleepSec: 1 } }
  },
  {
    fault: 'worker killed between two hosts',
    host: 'm1a',
    stage: 'PostMaintenance',
    event: 'end',
    hooks: CRASH_BASE_HOOKS
  }
]

export interface CrashSummary {
  fault: string
  recoveryMs: number
  stagesTwice: number
  violations: number
  leftInMaintenance: number
  success: boolean
}

export async function waitForHostLog(
  e2e: E2E,
  mark: number,
  host: string,
  stage: string,
  event: 'start' | 'end'
): Promise<void> {
  const deadline = Date.now() + 30_000
  while (
    !e2e.fleet
      .readHostLog()
      .slice(mark)
      .some((e) => e.host === host && e.stage === stage && e.event === event)
  ) {
    if (Date.now() > deadline) throw new Error(`${host} ${stage} ${event} never came`)
    await sleep(10)
  }
}

const pidOf = (workerId: string | undefined | null): number | undefined =>
  workerId ? Number(workerId.split(':')[1]) : undefined

/** The worker process that holds the cluster's lease, or (before any lease) ran the host's PreFlight job. */
export async function holderPid(e2e: E2E, host: string, runId: string): Promise<number | undefined> {
  const lease = await e2e.redis.get(e2e.keys.clusterLease(clusterId(crashClusterOf(host))))
  if (lease) return pidOf(lease.split('|')[1])
  // PreFlight jobs are one per cluster, numbered by the cluster's place in the run's clusterIds.
  const clusterIds = JSON.parse((await e2e.redis.hget(e2e.keys.run(runId), 'clusterIds')) ?? '[]') as string[]
  const index = clusterIds.indexOf(clusterId(crashClusterOf(host)))
  return pidOf(await e2e.redis.hget(`${e2e.keys.bullPrefix}:${HOSTS_QUEUE}:${runId}.pf.${index}`, 'pb'))
}

/**
 * Recovery: the first run event about the faulty cluster recorded after the fault (only a surviving
 * worker can write one), or the end of the run.
 */
async function firstEventAfter(e2e: E2E, runId: string, since: number, cluster: string): Promise<number> {
  const hosts = new Set(CRASH_CLUSTERS.find((c) => c.name === cluster)!.hosts.map((h) => `host-${h}`))
  const deadline = Date.now() + 90_000
  for (;;) {
    const entries = await e2e.redis.xrange(e2e.keys.runEvents(runId), `${since + 1}`, '+')
    for (const [id, fields] of entries) {
      const type = fields[fields.indexOf('type') + 1]
      const data = JSON.parse(fields[fields.indexOf('data') + 1] ?? '{}') as { hostId?: string }
      if (type === 'run.finished' || (data.hostId && hosts.has(data.hostId))) return Number(id.split('-')[0])
    }
    if (Date.now() > deadline) throw new Error('no progress after the fault')
    await sleep(20)
  }
}

/**
 * Waits for the run and checks it from the hosts' own logs: right result, nothing twice, the
 * invariant held. The fault's figures are added to `summaries`.
 */
export async function checkRecovery(
  e2e: E2E,
  fault: string,
  runId: string,
  mark: number,
  faultAt: number,
  summaries: CrashSummary[]
): Promise<CrashSummary> {
  const recoveredAt = await firstEventAfter(e2e, runId, faultAt, 'm1')
  const done = await e2e.waitForRun(runId, 120_000)
  const log = e2e.fleet.readHostLog().slice(mark)
  const twice = [...startCounts(log.filter((e) => e.host !== 'test')).values()].filter((n) => n > 1).length
  const violations = invariantViolations(log, crashClusterOf).length
  const left = (await e2e.runService.listHosts()).filter((h) => h.resourceState !== 'Enabled').length
  const r = done.result!.rollingmaintenance
  const summary = {
    fault,
    recoveryMs: recoveredAt - faultAt,
    stagesTwice: twice,
    violations,
    leftInMaintenance: left,
    success: r.success
  }
  // Recorded before the checks, so a failed fault still shows in the printed table.
  summaries.push(summary)
  expect(r.success).toBe(true)
  expect(r.hostsupdated.map((h) => h.hostname).sort()).toEqual([...CRASH_HOSTS].sort())
  expect(twice).toBe(0)
  expect(violations).toBe(0)
  expect(left).toBe(0)
  return summary
}

export function formatCrashSummaries(title: string, summaries: CrashSummary[]): string {
  return (
    `${title}:\n` +
    summaries
      .map(
        (s) =>
          `  ${s.fault.padEnd(40)} recovery ${String(s.recoveryMs).padStart(6)} ms  twice ${s.stagesTwice}  violations ${s.violations}  left in maintenance ${s.leftInMaintenance}  success ${s.success}`
      )
      .join('\n') +
    `\n  faults ${summaries.length}, runs completed ${summaries.filter((s) => s.success).length}, worst recovery ${Math.max(...summaries.map((s) => s.recoveryMs))} ms`
  )
}
