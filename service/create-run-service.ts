import type { Logger } from 'pino'
import type { Config } from '../shared/config.js'
import { buildRunView } from './build-run-view.js'
import { defaultJobOptions } from '../shared/bull-options.js'
import { ClusterBusyError } from '../shared/errors/cluster-busy-error.js'
import { HostNotFoundError } from '../shared/errors/host-not-found-error.js'
import { HostNotInMaintenanceError } from '../shared/errors/host-not-in-maintenance-error.js'
import { RunConflictError } from '../shared/errors/run-conflict-error.js'
import { RunFinishedError } from '../shared/errors/run-finished-error.js'
import { RunNotFoundError } from '../shared/errors/run-not-found-error.js'
import { HOSTS_QUEUE, RUNS_QUEUE } from '../shared/queue-names.js'
import { assertNoEviction, createRedisConnection } from '../store/connection.js'
import { claimSignedRequest } from '../store/api/claim-signed-request.js'
import { isRunId, newRunId } from '../shared/run-id.js'
import { createRedisKeys } from '../store/keys.js'
import type { RunService } from './run-service.js'
import type { HostView, RunView } from '../shared/run-view.js'
import { getRunSummary } from '../store/run/get-run-summary.js'
import { getHostResourceStates } from '../store/host/get-host-resource-states.js'
import { releaseClusterReservations } from '../store/cluster/release-cluster-reservations.js'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import type { Inventory, RunRequest } from '../shared/types.js'
import { createRunEventHub } from '../store/events/run-event-hub.js'
import { planRun } from './plan-run.js'
import { validateRunRequest } from './validate-run-request.js'
import { listRunIds, pruneRunIndex, runExists } from '../store/run/list-run-ids.js'
import { clearHostMaintenance } from '../store/host/clear-host-maintenance.js'
import { createRunRecord, type NewRunRecord, type ReservationConflict } from '../store/run/create-run-record.js'
import { appendRunAudit } from '../store/run/append-run-audit.js'
import { makeRunControls } from './run-controls.js'
import { addEventSink } from '../store/events/event-sinks.js'
import { createWebhookPublisher } from '../shared/webhooks/webhook-publisher.js'
import { deleteRunRecord } from '../store/run/delete-run-record.js'
import { requestCancel } from '../store/run/request-cancel.js'
import { findTrimmedResume } from '../store/events/find-trimmed-resume.js'
import { EventsTrimmedError } from '../shared/errors/events-trimmed-error.js'
import { openQueue } from '../shared/open-queue.js'

export interface RunServiceDeps {
  config: Config
  inventory: Inventory
  logger: Logger
}

const NEVER_ENQUEUED_AFTER_MS = 60_000

export async function createRunService({ config, inventory, logger }: RunServiceDeps): Promise<RunService> {
  const redis = createRedisConnection(config.redis, 'api', logger)
  await assertNoEviction(redis).catch((err: unknown) => {
    redis.disconnect()
    throw err
  })
  const keys = createRedisKeys(config.keyPrefix)
  // BullMQ's queues on a connection of their own: BullMQ defines its Lua commands on the connection
  // it is given, and ioredis copies them all onto every pipeline of that connection (the store's reads).
  const queueConnection = createRedisConnection(config.redis, 'api', logger, { connectionName: 'rollmaint-api-queues' })
  const runsQueue = openQueue(RUNS_QUEUE, {
    connection: queueConnection,
    prefix: keys.bullPrefix,
    defaultJobOptions: defaultJobOptions(config.runRetentionDays)
  })
  // Only to wake a run's sleeping cluster jobs (resume, cancel); the API never adds host jobs.
  const hostsQueue = openQueue(HOSTS_QUEUE, { connection: queueConnection, prefix: keys.bullPrefix })
  const log = logger.child({ component: 'run-service' })
  // One blocking Redis connection for every event stream this process serves (issue 11, item 4).
  const events = createRunEventHub(redis, keys, { connectionName: `rollmaint-events-${config.keyPrefix}`, logger: log })
  // Events the API writes itself (run.paused, run.resumed) reach the webhooks too.
  const publisher = createWebhookPublisher(queueConnection, keys.bullPrefix, config.webhooks, log)
  const removeSink =
    config.webhooks.length > 0 ? addEventSink(keys.bullPrefix, (e) => publisher.publish(e)) : () => undefined

  async function view(runId: string): Promise<RunView | undefined> {
    if (!isRunId(runId)) return undefined
    const summary = await getRunSummary(redis, keys, runId)
    return summary && buildRunView(summary, inventory)
  }

  /**
   * A reservation whose run is gone or finished, or whose run never reached the queue (the API died
   * between the two writes), must not block a cluster forever: drop it and report whether any was dropped.
   */
  async function healStaleReservations(conflicts: ReservationConflict[]): Promise<boolean> {
    let healed = false
    for (const runId of new Set(conflicts.map((c) => c.runId))) {
      const run = await getRunSummary(redis, keys, runId)
      const neverEnqueued =
        run?.status === 'queued' &&
        Date.now() - Date.parse(run.createdAt) > NEVER_ENQUEUED_AFTER_MS &&
        (await runsQueue.getJob(runId)) === undefined
      if (!run || TERMINAL_STATUSES.has(run.status) || neverEnqueued) {
        const clusterIds = conflicts.filter((c) => c.runId === runId).map((c) => c.clusterId)
        if (neverEnqueued) await deleteRunRecord(redis, keys, runId, run.clusterIds)
        else await releaseClusterReservations(redis, keys, runId, clusterIds)
        log.warn({ runId, clusterIds }, 'dropped a stale cluster reservation')
        healed = true
      }
    }
    return healed
  }

  async function createRun(request: RunRequest, who?: string, opts: { retryOf?: string } = {}): Promise<RunView> {
    const scope = validateRunRequest(inventory, request)
    const createdAt = new Date().toISOString()
    const record: NewRunRecord = {
      id: newRunId(),
      status: 'queued',
      request,
      createdAt,
      hostIds: scope.hostIds,
      clusterIds: scope.clusterIds,
      audit: [{ action: 'started', by: who, at: createdAt, runId: opts.retryOf }],
      retryOf: opts.retryOf
    }
    const hostClusterIds = record.hostIds.map((id) => inventory.hosts.get(id)!.clusterId)
    let conflicts = await createRunRecord(redis, keys, record, hostClusterIds)
    if (conflicts.length > 0 && (await healStaleReservations(conflicts))) {
      conflicts = await createRunRecord(redis, keys, record, hostClusterIds)
    }
    if (conflicts.length > 0) {
      throw new RunConflictError(
        conflicts.map((c) => ({ ...c, clusterName: inventory.clusters.get(c.clusterId)?.name ?? c.clusterId }))
      )
    }
    try {
      await runsQueue.add('run', { runId: record.id }, { jobId: record.id })
    } catch (err) {
      // No half-created run: without its job the record and reservations would block the clusters.
      await deleteRunRecord(redis, keys, record.id, record.clusterIds).catch(() => undefined)
      throw err
    }
    await pruneRunIndex(redis, keys, config.runRetentionDays)
    log.info({ runId: record.id, hosts: record.hostIds.length, clusters: record.clusterIds.length }, 'run queued')
    return (await view(record.id))!
  }

  async function listRuns({ limit }: { limit: number }): Promise<RunView[]> {
    const ids = await listRunIds(redis, keys, limit)
    const views = await Promise.all(ids.map((id) => view(id)))
    return views.filter((v): v is RunView => v !== undefined)
  }

  async function hostViews(ids: string[]): Promise<HostView[]> {
    const states = await getHostResourceStates(redis, keys, ids)
    return ids.map((id) => {
      const host = inventory.hosts.get(id)!
      const state = states.get(id)
      return {
        id,
        name: host.name,
        zoneId: host.zoneId,
        podId: host.podId,
        clusterId: host.clusterId,
        hypervisor: host.hypervisor,
        resourceState: state?.state ?? (host.enabled ? 'Enabled' : 'Disabled'),
        runId: state?.runId,
        since: state?.since
      }
    })
  }

  async function cancelRun(id: string, who?: string): Promise<RunView> {
    if (!isRunId(id)) throw new RunNotFoundError(id)
    const outcome = await requestCancel(redis, keys, id)
    if (outcome.kind === 'requested') {
      await appendRunAudit(redis, keys, id, { action: 'cancelled', by: who, at: new Date().toISOString() })
      await controls.wakeAfterCancel(id)
    }
    const current = await view(id)
    if (outcome.kind === 'not-found' || !current) throw new RunNotFoundError(id)
    if (outcome.kind === 'finished') throw new RunFinishedError(id, current.status)
    log.info({ runId: id, user: who }, 'run cancel requested')
    return current
  }

  const controls = makeRunControls({
    redis,
    keys,
    inventory,
    hostsQueue,
    queueConnection,
    logger: log,
    view,
    createRun
  })
  const known = (id: string): string => {
    if (!isRunId(id)) throw new RunNotFoundError(id)
    return id
  }

  async function cancelHostMaintenance(id: string, who: string): Promise<HostView> {
    const host = inventory.hosts.get(id)
    if (!host) throw new HostNotFoundError(id)
    let outcome = await clearHostMaintenance(redis, keys, host, who)
    // A reservation left by a run that is over (or never reached the queue) is healed, as createRun does.
    if (
      outcome.kind === 'busy' &&
      outcome.by === 'run' &&
      (await healStaleReservations([{ clusterId: host.clusterId, runId: outcome.holder }]))
    ) {
      outcome = await clearHostMaintenance(redis, keys, host, who)
    }
    if (outcome.kind === 'not-in-maintenance') throw new HostNotInMaintenanceError(id, outcome.state)
    if (outcome.kind === 'busy') throw new ClusterBusyError(id, host.clusterId, `${outcome.by} ${outcome.holder}`)
    log.warn(
      { hostId: id, hostName: host.name, clusterId: host.clusterId, user: who },
      'host maintenance cancelled by an operator'
    )
    return (await hostViews([id]))[0]!
  }

  return {
    createRun,
    planRun: (request) => planRun({ redis, keys, inventory, config }, request),
    cancelRun,
    pauseRun: (id, who) => controls.pause(known(id), who),
    resumeRun: (id, who) => controls.resume(known(id), who),
    retryRun: (id, who) => controls.retry(known(id), who),
    cancelHostMaintenance,
    async openEventStream(id, afterId) {
      if (!isRunId(id)) return undefined
      if (!(await runExists(redis, keys, id))) return undefined
      // A resume from an event no longer kept is refused, never silently skipped (issue 11, item 10).
      const check = afterId ? await findTrimmedResume(redis, keys, id, afterId) : undefined
      if (afterId && check?.kind === 'trimmed') throw new EventsTrimmedError(id, afterId, check.oldestKept)
      return events.open(id, afterId)
    },
    getRun: view,
    claimSignedRequest: (hex, expiresAtMs) => claimSignedRequest(redis, keys, hex, expiresAtMs),
    listRuns,
    listHosts: () => hostViews([...inventory.hosts.keys()]),
    getHost: async (id) => (inventory.hosts.has(id) ? (await hostViews([id]))[0] : undefined),
    async close() {
      events.close()
      removeSink()
      await publisher.close()
      await hostsQueue.close()
      await runsQueue.close()
      queueConnection.disconnect()
      redis.disconnect()
    }
  }
}
