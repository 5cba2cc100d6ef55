import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { LeaseLostError } from '../shared/errors/lease-lost-error.js'
import { ReplicaAckError } from '../shared/errors/replica-ack-error.js'
import type { RedisClient } from '../store/connection.js'
import type { RedisKeys } from '../store/keys.js'
import { acquireClusterLease } from '../store/cluster/acquire-cluster-lease.js'
import type { LeaseRef } from '../store/cluster/lease-ref.js'
import { releaseClusterLease, type ReleaseOutcome } from '../store/cluster/release-cluster-lease.js'
import { renewClusterLease } from '../store/cluster/renew-cluster-lease.js'

export interface HeldLease extends LeaseRef {
  /** True once a renewal found the lease gone or taken: stop driving the cluster. */
  readonly lost: boolean
  /** Aborted when the lease is lost: long operations (a driver's evacuation) stop promptly. */
  readonly signal: AbortSignal
  release(): Promise<ReleaseOutcome>
}

export interface HoldLeaseDeps {
  redis: RedisClient
  keys: RedisKeys
  ttlMs: number
  logger: Logger
}

/**
 * The lease owner of one attempt of a cluster job. Unique per attempt: BullMQ may hand a job that
 * stalled past its lock back to the same worker, and that new attempt must neither share the
 * stalled one's lease nor its fencing token (issue 11, item 9).
 */
export function clusterLeaseOwner(workerId: string, jobId: string): string {
  return `${workerId}/${jobId}/${randomBytes(4).toString('hex')}`
}

/**
 * Waits for the cluster's lease and keeps renewing it (every third of its TTL) until released. A
 * lease left by a dead worker simply expires, so it is taken over without operator action; the
 * maintenance slot, not the lease, keeps a host that may still be in maintenance from being passed.
 */
export async function holdClusterLease(
  deps: HoldLeaseDeps,
  clusterId: string,
  owner: string,
  signal?: AbortSignal
): Promise<HeldLease> {
  const { redis, keys, ttlMs, logger } = deps
  let token: string | undefined
  let waitedSince: number | undefined
  let unconfirmed = false
  for (;;) {
    signal?.throwIfAborted()
    try {
      token = await acquireClusterLease(redis, keys, clusterId, owner, ttlMs)
    } catch (err) {
      if (!(err instanceof ReplicaAckError)) throw err
      // Written on the master but not on enough replicas yet: not held; ask again (same owner, same token).
      if (!unconfirmed)
        logger.warn({ clusterId, err: err.message }, 'cluster lease not confirmed by the replicas; retrying')
      unconfirmed = true
      token = undefined
      waitedSince ??= Date.now()
    }
    if (token) break
    if (waitedSince === undefined) {
      waitedSince = Date.now()
      logger.info({ clusterId }, 'cluster lease held elsewhere; waiting for it to be released or to expire')
    }
    await sleep(Math.min(1000, Math.max(50, ttlMs / 10)), undefined, signal ? { signal } : undefined)
  }
  if (waitedSince !== undefined) logger.info({ clusterId, waitedMs: Date.now() - waitedSince }, 'cluster lease taken')

  let lost = false
  let released = false
  const lostController = new AbortController()
  const ref = { clusterId, token, owner }
  const timer = setInterval(
    () => {
      renewClusterLease(redis, keys, clusterId, ref, ttlMs)
        .then((ok) => {
          if (!ok && !released && !lost) {
            lost = true
            lostController.abort(new LeaseLostError(clusterId))
            logger.error({ clusterId, token }, 'cluster lease lost; stopping work on this cluster')
          }
        })
        .catch((err: unknown) => {
          if (err instanceof ReplicaAckError && !released && !lost) {
            // An unconfirmed renewal may not survive a failover: stop acting on this lease; the job's
            // retry takes it again with a confirmed write and resumes where the host is.
            lost = true
            logger.error(
              { clusterId, token, err: err.message },
              'cluster lease renewal not confirmed by the replicas; stopping work on this cluster'
            )
            return
          }
          logger.warn({ clusterId, err }, 'cluster lease renewal failed; will retry')
        })
    },
    Math.max(200, Math.floor(ttlMs / 3))
  )
  timer.unref()

  return {
    ...ref,
    get lost() {
      return lost
    },
    signal: lostController.signal,
    async release() {
      released = true
      clearInterval(timer)
      return releaseClusterLease(redis, keys, clusterId, ref)
    }
  }
}
