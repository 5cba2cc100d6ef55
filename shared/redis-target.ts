import { ConfigError } from './errors/config-error.js'

export interface RedisNodeAddress {
  host: string
  port: number
}

/** How every process reaches Redis (docs/operations.md#redis-high-availability): one URL, a Sentinel group, or a Redis Cluster. */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | {
      mode: 'sentinel'
      sentinels: RedisNodeAddress[]
      /** Master group name, as in `sentinel monitor <name> ...`. */
      name: string
      /** AUTH for the sentinels themselves. */
      sentinelPassword?: string | undefined
      /** AUTH for the master and replicas. */
      password?: string | undefined
    }
  | { mode: 'cluster'; nodes: RedisNodeAddress[]; password?: string | undefined }

type Env = Record<string, string | undefined>

const DEFAULT_URL = 'redis://127.0.0.1:6379'

function value(env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

/** `host:port,host:port`; `[::1]:26379` for IPv6; a missing port takes `defaultPort`. */
export function parseNodeList(variable: string, raw: string, defaultPort: number): RedisNodeAddress[] {
  const nodes = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (nodes.length === 0) throw new ConfigError(variable, 'expected host:port[,host:port...]')
  return nodes.map((node) => {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d+))?$/.exec(node)
    if (!m) throw new ConfigError(variable, `${JSON.stringify(node)} is not host:port`)
    const port = m[3] === undefined ? defaultPort : Number(m[3])
    if (port < 1 || port > 65_535)
      throw new ConfigError(variable, `port of ${JSON.stringify(node)} must be between 1 and 65535`)
    return { host: (m[1] ?? m[2])!, port }
  })
}

/**
 * Reads REDIS_URL, REDIS_SENTINELS (+ REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD) or
 * REDIS_CLUSTER_NODES, plus REDIS_PASSWORD for the data nodes of the last two. Exactly one way to
 * reach Redis: two at once would leave an operator guessing which one the processes use.
 */
export function parseRedisTarget(env: Env): RedisTarget {
  const url = value(env, 'REDIS_URL')
  const sentinels = value(env, 'REDIS_SENTINELS')
  const clusterNodes = value(env, 'REDIS_CLUSTER_NODES')
  const given = [url && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', clusterNodes && 'REDIS_CLUSTER_NODES'].filter(
    (v): v is string => !!v
  )
  if (given.length > 1) {
    throw new ConfigError(
      given.join(', '),
      `set only one of REDIS_URL (one Redis), REDIS_SENTINELS (Sentinel) or REDIS_CLUSTER_NODES (Redis Cluster); ${given.join(' and ')} are all set`
    )
  }
  const name = value(env, 'REDIS_SENTINEL_NAME')
  const sentinelPassword = value(env, 'REDIS_SENTINEL_PASSWORD')
  const password = value(env, 'REDIS_PASSWORD')
  if (!sentinels) {
    if (name)
      throw new ConfigError(
        'REDIS_SENTINEL_NAME',
        'is set but REDIS_SENTINELS is not: give the sentinels too, or unset it'
      )
    if (sentinelPassword) throw new ConfigError('REDIS_SENTINEL_PASSWORD', 'is set but REDIS_SENTINELS is not')
  }
  if (sentinels) {
    if (!name)
      throw new ConfigError(
        'REDIS_SENTINEL_NAME',
        'is required with REDIS_SENTINELS: the master name the sentinels monitor'
      )
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw new ConfigError('REDIS_SENTINEL_NAME', 'may contain only letters, digits and _ . -')
    return {
      mode: 'sentinel',
      sentinels: parseNodeList('REDIS_SENTINELS', sentinels, 26_379),
      name,
      sentinelPassword,
      password
    }
  }
  if (clusterNodes)
    return { mode: 'cluster', nodes: parseNodeList('REDIS_CLUSTER_NODES', clusterNodes, 6379), password }
  if (password)
    throw new ConfigError(
      'REDIS_PASSWORD',
      'is for REDIS_SENTINELS or REDIS_CLUSTER_NODES; with REDIS_URL put the password in the URL (redis://:password@host:6379)'
    )
  const single = url ?? DEFAULT_URL
  if (!/^rediss?:\/\//.test(single)) throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://')
  return { mode: 'single', url: single }
}

/** Where a target points, for logs and errors: never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.mode) {
    case 'single': {
      try {
        const u = new URL(target.url)
        return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
      } catch {
        return 'REDIS_URL'
      }
    }
    case 'sentinel':
      return `sentinel master "${target.name}" via ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`
    case 'cluster':
      return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
  }
}
