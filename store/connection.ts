import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { RedisPolicyError } from '../shared/errors/redis-policy-error.js'
import { describeRedisTarget, type RedisTarget } from '../shared/redis-target.js'

/** A connection to wherever rollmaint's keys live: one Redis (plain or found through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster

/**
 * worker: commands wait for a reconnect (BullMQ needs `maxRetriesPerRequest: null`).
 * api: a command fails after a few reconnect attempts, so a request answers 503 quickly.
 * tool: short-lived connections of tests, the bench and the demo; fail fast, never hang.
 */
export type RedisRole = 'worker' | 'api' | 'tool'

const RETRIES: Record<RedisRole, number | null> = { worker: null, api: 2, tool: 1 }

// Reconnect quickly (a Sentinel or Cluster failover takes seconds, not minutes) but without
// hammering a Redis that is down: 50 ms, 100 ms, ... capped at 1 s for workers; the API caps at
// 300 ms, so with its two retries a request answers 503 within about a second while Redis is down.
const RETRY_CAP_MS: Record<RedisRole, number> = { worker: 1000, api: 300, tool: 300 }
const retryStrategyFor =
  (role: RedisRole) =>
  (times: number): number =>
    Math.min(times * 50, RETRY_CAP_MS[role])

function baseOptions(role: RedisRole, extra: RedisOptions): RedisOptions {
  return {
    maxRetriesPerRequest: RETRIES[role],
    enableReadyCheck: true,
    connectionName: `rollmaint-${role}`,
    retryStrategy: retryStrategyFor(role),
    ...extra
  }
}

/** The ioredis client for a target; every process, test and tool connects through this. */
function newClient(target: RedisTarget, role: RedisRole, extra: RedisOptions): RedisClient {
  const options = baseOptions(role, extra)
  switch (target.mode) {
    case 'single':
      return new Redis(target.url, options)
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
        ...(target.password ? { password: target.password } : {}),
        // Not ioredis' failoverDetector: when +switch-master arrives while the client is already
        // reconnecting (the master died), it aborts that reconnect and leaves the client closed for
        // good (status "end"), as our failover tests showed. A dead master closes its connections;
        // a demoted one answers READONLY, handled below.
        failoverDetector: false,
        sentinelRetryStrategy: (times: number) => Math.min(times * 100, 1000),
        // A demoted master answers READONLY to writes: reconnect, the sentinels name the new one.
        reconnectOnError: (err) => err.message.startsWith('READONLY')
      })
    case 'cluster': {
      const { maxRetriesPerRequest, enableReadyCheck, ...nodeOptions } = options
      const clusterOptions: ClusterOptions = {
        enableReadyCheck: enableReadyCheck ?? true,
        // After a master dies its replica takes the slots: poll the slot map often enough to notice.
        slotsRefreshInterval: 1000,
        clusterRetryStrategy: retryStrategyFor(role),
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        retryDelayOnTryAgain: 200,
        // Workers wait out a failover; the API gives up sooner and answers 503.
        maxRedirections: role === 'worker' ? 100 : 6,
        redisOptions: {
          ...nodeOptions,
          maxRetriesPerRequest,
          ...(target.password ? { password: target.password } : {})
        }
      }
      return new Cluster(target.nodes, clusterOptions)
    }
  }
}

/** One connection, logging once when Redis is lost and once when it is back. */
export function createRedisConnection(
  target: RedisTarget,
  role: RedisRole,
  logger?: Logger,
  extra: RedisOptions = {}
): RedisClient {
  const redis = newClient(target, role, extra)
  const where = describeRedisTarget(target)
  // ioredis reconnects by itself: say once that Redis is gone and once that it is back, instead of
  // a line (or ioredis' own console warning) for every attempt.
  let down = false
  redis.on('error', (err: Error) => {
    if (down) return
    down = true
    logger?.warn({ err: err.message, redis: where }, 'Redis connection lost; reconnecting')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    logger?.info({ redis: where }, 'Redis connection back')
  })
  return redis
}

/** Refuses to run against a Redis that may evict keys: that would lose work silently. */
export async function assertNoEviction(redis: RedisClient): Promise<void> {
  // On a Cluster every master holds part of the data: check them all.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis]
  for (const node of nodes) {
    let policy: string | undefined
    try {
      const reply = (await node.config('GET', 'maxmemory-policy')) as string[]
      policy = reply[1]
    } catch {
      // Managed Redis services often disable CONFIG; INFO still tells the policy.
      const info = await node.info('memory')
      policy = /maxmemory_policy:(\S+)/.exec(info)?.[1]
    }
    if (policy !== undefined && policy !== 'noeviction') throw new RedisPolicyError(policy)
  }
}

/**
 * A second connection to the same place (e.g. for blocking reads). ioredis' `duplicate` takes
 * different arguments on Redis and on Cluster; this hides the difference.
 */
export function duplicateRedisConnection(redis: RedisClient, overrides: RedisOptions): RedisClient {
  if (redis instanceof Cluster) {
    const { maxRetriesPerRequest, ...nodeOverrides } = overrides
    return redis.duplicate(undefined, {
      redisOptions: { ...redis.options.redisOptions, ...nodeOverrides, maxRetriesPerRequest }
    })
  }
  return redis.duplicate(overrides)
}
