import type { Cluster } from 'ioredis'
import type { LuaScript } from './lua-script.js'
import type { RedisClient } from './connection.js'
import type { RedisTarget } from '../shared/redis-target.js'

/** How many replicas must confirm a guarded write (WAIT) and for how long to wait for them. */
export interface ReplicaAckPolicy {
  minReplicas: number
  timeoutMs: number
}

const NONE: ReplicaAckPolicy = { minReplicas: 0, timeoutMs: 0 }

// The policy belongs to a connection (WAIT counts the writes of that connection), so it is kept
// with the client instead of being threaded through every store function's arguments.
const policies = new WeakMap<RedisClient, ReplicaAckPolicy>()

export function setReplicaAckPolicy(redis: RedisClient, policy: ReplicaAckPolicy): void {
  policies.set(redis, policy)
}

export function replicaAckPolicy(redis: RedisClient): ReplicaAckPolicy {
  return policies.get(redis) ?? NONE
}

/** Connected replicas from `INFO replication` text. */
export function connectedReplicas(info: string): number {
  return Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0)
}

/**
 * `auto`: Sentinel and Cluster exist to have replicas, so 1; a single Redis gets 1 when it has
 * replicas at start-up and 0 otherwise (WAIT would only ever time out there).
 */
export async function resolveMinReplicas(
  redis: RedisClient,
  target: RedisTarget,
  configured: number | 'auto'
): Promise<number> {
  if (configured !== 'auto') return configured
  switch (target.mode) {
    case 'sentinel':
      return 1
    case 'cluster': {
      await redis.ping()
      return (redis as Cluster).nodes('slave').length > 0 ? 1 : 0
    }
    case 'single':
      return connectedReplicas(await redis.info('replication')) > 0 ? 1 : 0
  }
}

export interface AckedReply {
  reply: unknown
  /** Replicas that confirmed (WAIT's answer); equals the policy's minimum when none is required. */
  replicas: number
  acked: boolean
}

/**
 * Runs a Lua script and then `WAIT minReplicas timeout` on the same connection, in one pipeline
 * (on a Cluster both go to the node that owns the keys' slot: WAIT has no key of its own). WAIT
 * returns once the replicas have the master's offset at our write, or at the timeout.
 */
export async function evalWithReplicaAck(
  redis: RedisClient,
  script: LuaScript,
  keys: string[],
  args: Array<string | number>
): Promise<AckedReply> {
  const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
  if (minReplicas === 0) return { reply: await script(redis, keys, args), replicas: 0, acked: true }
  const run = async (bySha: boolean): Promise<[Error | null, unknown][]> => {
    const p = redis.pipeline()
    if (bySha) p.evalsha(script.sha, keys.length, ...keys, ...args)
    else p.eval(script.lua, keys.length, ...keys, ...args)
    p.call('WAIT', minReplicas, timeoutMs)
    return (await p.exec()) ?? []
  }
  let results = await run(true)
  if (results[0]?.[0]?.message.includes('NOSCRIPT')) results = await run(false)
  const [scriptErr, reply] = results[0] ?? [new Error('empty pipeline reply'), null]
  if (scriptErr) throw scriptErr
  const [waitErr, replicas] = results[1] ?? [new Error('empty pipeline reply'), 0]
  if (waitErr) throw waitErr
  return { reply, replicas: Number(replicas), acked: Number(replicas) >= minReplicas }
}
