import type { Queue } from 'bullmq'
import type { RedisClient } from '../store/connection.js'
import type { Logger } from 'pino'
import { NothingToRetryError } from '../shared/errors/nothing-to-retry-error.js'
import { RunActiveError } from '../shared/errors/run-active-error.js'
import { RunFinishedError } from '../shared/errors/run-finished-error.js'
import { RunNotFoundError } from '../shared/errors/run-not-found-error.js'
import { RunNotPausedError } from '../shared/errors/run-not-paused-error.js'
import type { RunView } from '../shared/run-view.js'
import type { Inventory, RunRequest } from '../shared/types.js'
import { emitRunEvent } from '../store/events/emit-run-event.js'
import type { RedisKeys } from '../store/keys.js'
import { appendRunAudit } from '../store/run/append-run-audit.js'
import { getRunHeader } from '../store/run/get-run-header.js'
import { getRunSnapshot } from '../store/run/get-run-snapshot.js'
import { pauseRun, resumeRun } from '../store/run/pause-run.js'
import { TERMINAL_STATUSES } from '../store/run/run-record.js'
import { selectRetryHosts } from './select-retry-hosts.js'
import { wakeClusterJobs } from './wake-cluster-jobs.js'

export interface RunControlDeps {
  redis: RedisClient
  keys: RedisKeys
  inventory: Inventory
  hostsQueue: Queue
  /** The connection hostsQueue uses (BullMQ's own). */
  queueConnection: RedisClient
  logger: Logger
  view(id: string): Promise<RunView | undefined>
  createRun(request: RunRequest, who?: string, opts?: { retryOf?: string }): Promise<RunView>
}

/**
 * Pause, resume and retry (docs/api.md#pause-resume-retry). Pause and resume only flip the run's state (with the audit entry
 * in the same Lua step): the clusters act on it at their next host boundary, never inside a cycle.
 */
export function makeRunControls(deps: RunControlDeps) {
  const { redis, keys, logger: log } = deps

  async function clusterPlanOf(id: string): Promise<string[]> {
    return (await getRunHeader(redis, keys, id))?.clusterPlan ?? []
  }

  async function pause(id: string, who: string): Promise<RunView> {
    const outcome = await pauseRun(redis, keys, id, who)
    const current = await deps.view(id)
    if (outcome === 'not-found' || !current) throw new RunNotFoundError(id)
    if (outcome === 'finished') throw new RunFinishedError(id, current.status, 'pause')
    if (outcome === 'paused') {
      await emitRunEvent(redis, keys, id, 'run.paused', { reason: 'operator', by: who })
      log.info({ runId: id, user: who }, 'run paused')
    }
    return current
  }

  async function resume(id: string, who: string): Promise<RunView> {
    const outcome = await resumeRun(redis, keys, id, who)
    const current = await deps.view(id)
    if (outcome === 'not-found' || !current) throw new RunNotFoundError(id)
    if (outcome === 'finished') throw new RunFinishedError(id, current.status, 'resume')
    if (outcome === 'not-paused') throw new RunNotPausedError(id, current.status)
    await emitRunEvent(redis, keys, id, 'run.resumed', { by: who })
    const woken = await wakeClusterJobs(deps, id, await clusterPlanOf(id))
    log.info({ runId: id, user: who, woken }, 'run resumed')
    return current
  }

  async function retry(id: string, who: string): Promise<RunView> {
    const snapshot = await getRunSnapshot(redis, keys, id)
    if (!snapshot) throw new RunNotFoundError(id)
    const { run, hosts } = snapshot
    if (!TERMINAL_STATUSES.has(run.status)) throw new RunActiveError(id, run.status)
    const selected = selectRetryHosts(run.hostIds, hosts)
    // A host removed from the inventory since cannot be retried; the others still are.
    const hostids = selected.filter((h) => deps.inventory.hosts.has(h))
    if (hostids.length === 0) {
      throw new NothingToRetryError(
        id,
        selected.length > 0 ? `its hosts ${selected.join(', ')} are no longer in the inventory` : undefined
      )
    }
    const { canary } = run.request
    const request: RunRequest = {
      ...run.request,
      zoneids: [],
      podids: [],
      clusterids: [],
      hostids,
      // A canary larger than what is left would be refused; the retry runs without it then.
      canary: canary !== undefined && canary <= hostids.length ? canary : undefined
    }
    const created = await deps.createRun(request, who, { retryOf: id })
    await appendRunAudit(redis, keys, id, {
      action: 'retried',
      by: who,
      at: new Date().toISOString(),
      runId: created.id
    })
    log.info({ runId: id, retryRunId: created.id, hosts: hostids.length, user: who }, 'run retried')
    return created
  }

  /** After a cancel request: sleeping clusters wake up to see it and end. */
  async function wakeAfterCancel(id: string): Promise<void> {
    await wakeClusterJobs(deps, id, await clusterPlanOf(id))
  }

  return { pause, resume, retry, wakeAfterCancel }
}
