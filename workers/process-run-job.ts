import { WaitingChildrenError, type Job } from 'bullmq'
import type { HostRunState } from '../shared/host-run-state.js'
import { getRunSnapshot, type RunSnapshot } from '../store/run/get-run-snapshot.js'
import { getHostResourceStates } from '../store/host/get-host-resource-states.js'
import { getHostRunStates } from '../store/host/get-host-run-states.js'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import type { HostConfig, RollingMaintenanceResult } from '../shared/types.js'
import { checkHosts } from '../shared/check-hosts.js'
import { decideFailure } from '../shared/controls/failure-budget.js'
import { setHostCheckFailures } from '../store/run/count-host-failure.js'
import { PREFLIGHT_JOB, preflightJobId, type RunJobData } from './job-data.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import { initHostRunStates } from '../store/host/init-host-run-states.js'
import { markRunStarted } from '../store/run/mark-run-started.js'
import { nextRunSeq } from '../store/run/next-run-seq.js'
import { setClusterPlan } from '../store/run/set-cluster-plan.js'
import { stopRun } from '../store/run/stop-run.js'
import { preflightCapacity } from './preflight-capacity.js'
import type { PreflightCluster } from './process-preflight-job.js'
import type { WorkerContext } from './worker-context.js'
import type { RunFinalizer } from './finalize-run.js'

/**
 * The orchestrator of one run, as a BullMQ step job: host checks and PreFlight children first,
 * then the cluster children, then the result. Between steps it waits in `waiting-children`,
 * holding no worker slot, so a run of many hours costs no worker while it waits.
 */
export function makeRunProcessor(ctx: WorkerContext, preflightCluster: PreflightCluster, finalizer: RunFinalizer) {
  const { redis, keys, inventory, config } = ctx
  const { finalize } = finalizer

  /** 'inline' when PreFlight ran here (a run of one cluster): the run has no child job to wait for. */
  async function checksAndPreflight(job: Job<RunJobData>, snapshot: RunSnapshot): Promise<'inline' | 'children'> {
    const { run } = snapshot
    // Together, one round trip (issue 12: time to the first PreFlight).
    const [started, resource] = await Promise.all([
      markRunStarted(redis, keys, run.id),
      getHostResourceStates(redis, keys, run.hostIds)
    ])
    // Not waited for (it never throws): the store connection carries it ahead of initHostRunStates,
    // which is waited for before the PreFlight jobs are added (BullMQ has a connection of its own).
    if (started)
      void emitRunEvent(redis, keys, run.id, 'run.started', {
        hosts: run.hostIds.length,
        clusters: run.clusterIds.length
      })
    const hosts = run.hostIds.map((id) => inventory.hosts.get(id)).filter((h): h is HostConfig => h !== undefined)
    const failures = new Map(
      checkHosts(hosts, new Map([...resource].map(([id, r]) => [id, r.state]))).map((f) => [f.hostId, f])
    )
    const missing = run.hostIds.filter((id) => !inventory.hosts.has(id)).length
    const failed = failures.size + missing
    // docs/user-guide.md#host-checks with maxFailures: failed checks within the budget are skipped as with forced, beyond
    // it nothing is done. Set once (HSETNX), before any PreFlight can count, so a repeated step agrees.
    const skipFailed =
      decideFailure({ forced: run.request.forced, maxFailures: run.request.maxFailures ?? 0 }, failed) === 'skip'
    if (failed > 0) await setHostCheckFailures(redis, keys, run.id, failed)
    const states: HostRunState[] = []
    for (const id of run.hostIds) {
      const host = inventory.hosts.get(id)
      const base: HostRunState = {
        hostId: id,
        hostName: host?.name ?? id,
        clusterId: host?.clusterId ?? '',
        phase: 'pending'
      }
      const failure = host ? failures.get(id) : { reason: `host is not in this worker's inventory ${inventory.source}` }
      const finishedAt = new Date().toISOString()
      if (!failure) states.push(base)
      else if (skipFailed) {
        const seq = await nextRunSeq(redis, keys, run.id)
        states.push({
          ...base,
          phase: 'done',
          skipped: { reason: failure.reason, seq, failedStep: 'Host check' },
          finishedAt
        })
      } else
        states.push({ ...base, phase: 'done', failure: { stage: 'Host check', message: failure.reason }, finishedAt })
    }
    await initHostRunStates(redis, keys, run.id, states)
    if (states.some((s) => s.phase === 'done' && s.failure)) {
      // docs/user-guide.md#host-checks: without `forced`, nothing at all is done.
      await stopRun(redis, keys, run.id, 'host checks failed')
      return 'children'
    }
    // PreFlight per cluster (its pending hosts in inventory order): the hosts' sessions stay in the
    // worker its cluster job is then routed to (docs/operations.md#cluster-job-affinity).
    const pendingIds = new Set(states.filter((s) => s.phase === 'pending').map((s) => s.hostId))
    const byCluster = new Map<string, string[]>()
    for (const id of run.hostIds) {
      if (!pendingIds.has(id)) continue
      const clusterId = inventory.hosts.get(id)!.clusterId
      const list = byCluster.get(clusterId)
      if (list) list.push(id)
      else byCluster.set(clusterId, [id])
    }
    const only = byCluster.size === 1 ? [...byCluster][0] : undefined
    if (only) {
      // A run of one cluster runs its PreFlight here rather than in a child job: nothing runs in
      // parallel with it, its sessions stay in this worker as a PreFlight job's would, and the run
      // saves a job hop at each end of PreFlight (issue 12). Should this worker die meanwhile, the
      // step is taken up again: hosts already judged are passed over, one started is re-attached.
      const [clusterId, hostIds] = only
      const byId = new Map(states.map((s) => [s.hostId, s]))
      await preflightCluster({ runId: run.id, clusterId, hostIds }, job.id, {
        header: { status: 'running', request: run.request, clusterPlan: run.clusterPlan },
        // Just written (initHostRunStates keeps a record already there, as on a retaken step: read those).
        states: started ? byId : await getHostRunStates(redis, keys, run.id, hostIds),
        stop: { stopReason: run.stopReason, cancelled: run.cancelRequested === true }
      })
      return 'inline'
    }
    await ctx.hostsQueue.addBulk(
      [...byCluster].map(([clusterId, hostIds]) => ({
        name: PREFLIGHT_JOB,
        data: { runId: run.id, clusterId, hostIds },
        opts: {
          jobId: preflightJobId(run.id, run.clusterIds.indexOf(clusterId)),
          parent: { id: job.id!, queue: job.queueQualifiedName },
          ignoreDependencyOnFailure: true
        }
      }))
    )
    return 'children'
  }

  async function startClusters(job: Job<RunJobData>, first: RunSnapshot): Promise<void> {
    if (first.run.stopReason || first.run.cancelRequested) return
    const snapshot = (await preflightCapacity(ctx, first)) ? await getRunSnapshot(redis, keys, first.run.id) : first
    if (!snapshot) return
    const { run, hosts } = snapshot
    if (run.stopReason || run.cancelRequested) return
    const ready = new Set(hosts.filter((h) => h.phase !== 'done' && h.phase !== 'pending').map((h) => h.clusterId))
    const plan = await setClusterPlan(
      redis,
      keys,
      run.id,
      run.clusterIds.filter((c) => ready.has(c))
    )
    const maxParallel = config.maxParallelClusters
    const readyIds = new Set(hosts.filter((h) => h.phase === 'ready').map((h) => h.hostId))
    const firstReady = (clusterId: string): string | undefined =>
      inventory.clusters.get(clusterId)?.hostIds.find((id) => readyIds.has(id))
    await Promise.all(
      plan.slice(0, maxParallel).map((clusterId, index) => {
        const firstHostId = firstReady(clusterId)
        return ctx.addClusterJob(
          { runId: run.id, clusterId, index, maxParallel, ...(firstHostId ? { firstHostId } : {}) },
          { parent: { id: job.id!, queue: job.queueQualifiedName } }
        )
      })
    )
  }

  return async function processRunJob(job: Job<RunJobData>, token?: string): Promise<RollingMaintenanceResult | null> {
    const runId = job.data.runId
    for (;;) {
      const step = job.data.step ?? 'start'
      // A later step acts only once the previous step's children are all done. Normally they are
      // (the job left waiting-children), but a job whose lock was lost (a dead or stalled worker)
      // is taken up again at its saved step while those children still run: starting clusters
      // before every PreFlight is in ended a run with all its hosts "not processed". Asked with the
      // snapshot, one round trip (issue 12): when children still run, that snapshot is not used
      // (nor its failure: the job is waiting for its children by then, not failing).
      const [read, children] = await Promise.allSettled([
        getRunSnapshot(redis, keys, runId),
        step !== 'start' && token ? job.moveToWaitingChildren(token) : false
      ])
      if (children.status === 'rejected') throw children.reason
      if (children.value) throw new WaitingChildrenError()
      if (read.status === 'rejected') throw read.reason
      const snapshot = read.value
      if (!snapshot) return null
      if (TERMINAL_STATUSES.has(snapshot.run.status)) return snapshot.run.result ?? null
      // A run cancelled before any host started goes straight to its result.
      if (step === 'finalize' || (snapshot.run.cancelRequested && step === 'start')) return finalize(snapshot)
      const inline = step === 'start' && (await checksAndPreflight(job, snapshot)) === 'inline'
      if (inline) {
        // PreFlight ran here and added no child: the clusters start at once, without asking BullMQ
        // twice whether there are children to wait for (issue 12: time from PreFlight to the first
        // host). The step is saved with the snapshot's read, before any cluster job exists.
        const [, after] = await Promise.all([
          job.updateData({ runId, step: 'clusters' }),
          getRunSnapshot(redis, keys, runId)
        ])
        if (!after) return null
        await startClusters(job, after)
      } else if (step !== 'start') await startClusters(job, snapshot)
      await job.updateData({ runId, step: step === 'start' && !inline ? 'clusters' : 'finalize' })
      if (token && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError()
    }
  }
}
