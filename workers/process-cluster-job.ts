import { setTimeout as sleep } from 'node:timers/promises'
import { DelayedError, type Job } from 'bullmq'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import type { HostConfig } from '../shared/types.js'
import { clusterLeaseOwner, holdClusterLease } from './hold-cluster-lease.js'
import type { HostSession } from './host-executor.js'
import type { CycleResult } from './host-cycle-context.js'
import { clusterJobId, type ClusterJobData } from './job-data.js'
import { driverFor } from './maintenance/driver-for.js'
import { askMaintenanceScriptAhead } from './ask-maintenance-script-ahead.js'
import { runHostCycle } from './run-host-cycle.js'
import { getHostRunState } from '../store/host/get-host-run-state.js'
import { getHostRunStates } from '../store/host/get-host-run-states.js'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import type { HostRunState } from '../shared/host-run-state.js'
import { saveHostRunState } from '../store/host/save-host-run-state.js'
import { atHostBoundary, decidesAlone, readBoundaryState } from './controls/cluster-boundary.js'
import { failHost } from './host-outcome.js'
import { stageTimeoutSec, type WorkerContext } from './worker-context.js'
import type { RunFinalizer } from './finalize-run.js'

const NOT_STARTED = new Set(['pending', 'PreFlight', 'ready'])

/** The latest end of a host cycle that went through maintenance (PostMaintenance ran), in epoch ms. */
function latestFinish(states: Array<HostRunState | undefined>, since?: number): number | undefined {
  let latest = since
  for (const s of states) {
    if (s?.phase !== 'done' || !s.updated || !s.finishedAt) continue
    const t = Date.parse(s.finishedAt)
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t
  }
  return latest
}

/**
 * One cluster of a run: its hosts one at a time, in inventory order, under the cluster lease.
 * Resumable: hosts already done are passed over, a host caught mid-cycle by a crash is resumed.
 */
export function makeClusterProcessor(ctx: WorkerContext, finalizer: RunFinalizer) {
  const { redis, keys } = ctx
  const leaseDeps = { redis, keys, ttlMs: ctx.config.leaseTtlMs, logger: ctx.logger }

  /**
   * Cluster i + maxParallel of the plan starts when cluster i ends: at most maxParallel clusters at
   * once. Without one, the run's result is stored now if this cluster's host was the run's last.
   */
  async function startSuccessor(data: ClusterJobData, plan: string[]): Promise<void> {
    const index = data.index + data.maxParallel
    const clusterId = plan[index]
    if (clusterId === undefined) {
      await finalizer.finalizeIfAllDone(data.runId, `${ctx.workerId}/${clusterJobId(data.runId, data.index)}`)
      return
    }
    await ctx.addClusterJob(
      { runId: data.runId, clusterId, index, maxParallel: data.maxParallel },
      { parent: { id: data.runId, queue: ctx.runsQueueQualifiedName } }
    )
  }

  return async function processClusterJob(job: Job<ClusterJobData>, token?: string): Promise<string> {
    const { runId, clusterId } = job.data
    const log = ctx.logger.child({ workerId: ctx.workerId, jobId: job.id, runId, clusterId })
    // The cluster's hosts in inventory order; those without a record are not part of this run.
    const clusterHosts = ctx.inventory.clusters.get(clusterId)?.hostIds ?? []

    // SSH set-up of the next host overlaps the current host's cycle instead of adding to it. A failed
    // prefetch resolves to undefined (the cycle opens again and reports it), so an unused one is
    // closed without waiting for it (`void`).
    let prefetched: { hostId: string; session: Promise<HostSession | undefined>; asked?: true } | undefined
    const dropPrefetched = (): void => {
      void prefetched?.session.then((s) => s?.close())
      prefetched = undefined
    }
    const prefetchHost = (hostId: string | undefined): void => {
      dropPrefetched()
      const next = hostId ? ctx.inventory.hosts.get(hostId) : undefined
      prefetched = next ? { hostId: next.id, session: ctx.executor.open(next).catch(() => undefined) } : undefined
    }
    // The first host's session and its check for a Maintenance script, whose round trip to the host
    // overlaps the lease and the first reads (issue 12): later hosts have theirs asked during the
    // previous host's PostMaintenance. Asked before the reads say which host starts first, of the
    // one the job was added for (a host of the run, ready then); should it be another (or one to
    // resume, opened with re-attach options), that one goes back to the pool.
    const askFirst = (hostId: string | undefined): void => {
      prefetchHost(hostId)
      if (prefetched)
        prefetched = { ...prefetched, session: askMaintenanceScriptAhead(prefetched.session), asked: true }
    }
    if (job.data.firstHostId && clusterHosts.includes(job.data.firstHostId)) askFirst(job.data.firstHostId)
    // The lease is asked for with the first reads, not after them (issue 12: one round trip less
    // before the cluster's first host); a run found gone lets go of it at once.
    const leaseAbort = new AbortController()
    const leasing = holdClusterLease(leaseDeps, clusterId, clusterLeaseOwner(ctx.workerId, job.id!), leaseAbort.signal)
    leasing.catch(() => undefined)
    const letGo = (): void => {
      dropPrefetched()
      leaseAbort.abort()
      void leasing.then((l) => l.release()).catch(() => undefined)
    }
    // Read together, one round trip (issue 12: time to the cluster's first host).
    let run: Awaited<ReturnType<typeof ctx.readRunHeader>>
    let initial: Awaited<ReturnType<typeof getHostRunStates>>
    try {
      ;[run, initial] = await Promise.all([
        ctx.readRunHeader(runId),
        getHostRunStates(redis, keys, runId, clusterHosts)
      ])
    } catch (err) {
      letGo()
      throw err
    }
    if (!run || TERMINAL_STATUSES.has(run.status)) {
      letGo()
      return 'run-gone'
    }
    const hostIds = clusterHosts.filter((id) => initial.has(id))
    // Every host of the cluster, in the run or not: where a maintenance driver may move VMs to.
    const clusterHostConfigs = clusterHosts
      .map((id) => ctx.inventory.hosts.get(id))
      .filter((h): h is HostConfig => h !== undefined)
    const cycleRun = {
      id: runId,
      forced: run.request.forced,
      maxFailures: run.request.maxFailures,
      payload: run.request.payload,
      timeoutSec: stageTimeoutSec(ctx, run.request.timeout)
    }

    const prefetch = (index: number): void => prefetchHost(hostIds[index])
    // The first host's set-up (when this worker did not keep its PreFlight connection) overlaps
    // taking the lease and the boundary checks (issue 16: one handshake less per cluster on the
    // critical path). Only a host about to start: a resumed one opens with re-attach options.
    const first = hostIds.findIndex((id) => initial.get(id)?.phase === 'ready')
    if (first < 0) dropPrefetched()
    else if (prefetched?.hostId !== hostIds[first]) askFirst(hostIds[first])
    let lease: Awaited<ReturnType<typeof holdClusterLease>>
    try {
      lease = await leasing
    } catch (err) {
      dropPrefetched()
      throw err
    }
    // The soak (docs/api.md#operator-controls) counts from the end of the cluster's last host that went through maintenance.
    let lastFinishedAt = latestFinish([...initial.values()])
    let sleepUntil: number | undefined
    let handOver = false
    let stuck = false
    // The previous host's last write, in flight while the next host's reads go out (issue 12).
    let saving: Promise<void> | undefined
    const cycleDeps = {
      redis,
      keys,
      executor: ctx.executor,
      logger: ctx.logger,
      driverFor: (h: HostConfig) => driverFor(h),
      clusterHosts: clusterHostConfigs
    }
    // The next host's check goes out while this host runs PostMaintenance: its round trip leaves
    // the time between two hosts (issue 12). Asked that late, it still sees the host's scripts as
    // they are one stage before its turn.
    const askNextAhead = (): void => {
      const next = prefetched
      if (next && !next.asked)
        prefetched = { hostId: next.hostId, session: askMaintenanceScriptAhead(next.session), asked: true }
    }
    try {
      for (const [index, hostId] of hostIds.entries()) {
        // The host's check for a Maintenance script, on the connection opened ahead (unless it was
        // asked while the host before it ran its last stage).
        if (prefetched?.hostId === hostId && !prefetched.asked)
          prefetched = { hostId, session: askMaintenanceScriptAhead(prefetched.session) }
        const takePrefetched = (): Promise<HostSession | undefined> | undefined => {
          const preopened = prefetched?.hostId === hostId ? prefetched.session : undefined
          if (preopened) prefetched = undefined
          return preopened
        }
        // A host whose boundary this worker decides alone starts without reading it: its slot claim
        // checks the rest (paused, stopped, cancelled, a wait or gate shown, its record still ready)
        // and goes out behind the previous host's last write, one round trip between two hosts
        // instead of two (issue 12). Should anything have changed, nothing is written: the boundary
        // is read and decided below as usual.
        const known = initial.get(hostId)
        let cycle: CycleResult | undefined
        const triedQuick =
          known?.phase === 'ready' && decidesAlone(ctx, { clusterId, request: run.request, lastFinishedAt })
        if (triedQuick) {
          const preopened = takePrefetched()
          prefetch(index + 1)
          const host = ctx.inventory.hosts.get(hostId)!
          const options = { ifQuiet: true, after: saving }
          const quick = await runHostCycle(cycleDeps, lease, cycleRun, host, known, preopened, askNextAhead, options)
          await saving
          if (quick.outcome !== 'recheck') cycle = quick
          else
            log.debug(
              { hostId },
              'the boundary changed since the last host, or the host has a failure to record: read it'
            )
        }
        if (!cycle) {
          // The boundary's reads go with the host's record, in one round trip (issue 12).
          const read = readBoundaryState(ctx, runId, clusterId)
          // The first host's record was just read; later ones are read fresh (a takeover may have
          // moved them), as is the first one after a quick start was refused (it may have moved).
          const state = index === 0 && !triedQuick ? known : await getHostRunState(redis, keys, runId, hostId)
          await saving
          const preopened = takePrefetched()
          if (!state || state.phase === 'done' || state.phase === 'pending' || state.phase === 'PreFlight') {
            void preopened?.then((s) => s?.close())
            continue
          }
          if (NOT_STARTED.has(state.phase)) {
            // The host boundary: the only place where cancel, stop, pause, soak, window and gate act.
            const host = ctx.inventory.hosts.get(hostId)!
            const b = await atHostBoundary(ctx, { runId, clusterId, host, request: run.request, lastFinishedAt, read })
            if (b.kind !== 'go') void preopened?.then((s) => s?.close())
            if (b.kind === 'stop') {
              log.info({ why: b.why }, 'run stopped; no further host starts in this cluster')
              break
            }
            if (b.kind === 'hand-over') {
              handOver = true
              break
            }
            if (b.kind === 'sleep') {
              sleepUntil = b.until
              break
            }
            if (b.kind === 'gate-failed') {
              const failed = await failHost({ redis, keys, logger: log, lease }, cycleRun, state, 'Gate', b.message)
              const saved = await saveHostRunState(redis, keys, runId, failed, lease)
              if (saved.kind === 'lease-lost' || lease.lost) throw new LeaseLostError(clusterId)
              continue
            }
          }
          prefetch(index + 1)
          const host = ctx.inventory.hosts.get(hostId)!
          cycle = await runHostCycle(cycleDeps, lease, cycleRun, host, state, preopened, askNextAhead)
          if (cycle.outcome === 'recheck')
            throw new Error('a host cycle not asked to claim only if quiet answered recheck')
        }
        if (cycle.outcome === 'stuck') {
          stuck = true
          break
        }
        saving = cycle.saved
        lastFinishedAt = latestFinish([cycle.state], lastFinishedAt)
      }
      await saving
    } finally {
      dropPrefetched()
      const released = await lease.release().catch(() => 'error')
      log.debug({ released }, 'cluster lease released')
    }
    if (sleepUntil !== undefined) {
      // Paused, soaking, outside the window or between gate attempts: wait as a delayed job that
      // holds no worker slot and no lease; resume and cancel wake it early.
      if (!token) {
        await sleep(Math.max(0, sleepUntil - Date.now()))
        return processClusterJob(job, token)
      }
      await job.moveToDelayed(sleepUntil, token)
      throw new DelayedError()
    }
    if (handOver && token) {
      // Shutting down between two hosts: give the rest of the cluster to another worker right away.
      log.info('draining: handing the rest of this cluster to another worker')
      await job.moveToDelayed(Date.now(), token)
      throw new DelayedError()
    }
    await startSuccessor(job.data, run.clusterPlan ?? [])
    return stuck ? 'stuck' : 'done'
  }
}
