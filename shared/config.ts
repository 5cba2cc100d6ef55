import path from 'node:path'
import { ConfigError } from './errors/config-error.js'
import { parseRedisTarget, type RedisTarget } from './redis-target.js'
import { parseWebhooks, type WebhookConfig } from './webhooks/parse-webhooks.js'
import { WEBHOOK_EVENT_TYPES } from './webhooks/webhook-events.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Config {
  /** One Redis, a Sentinel group or a Redis Cluster (docs/operations.md#redis-high-availability). */
  redis: RedisTarget
  /**
   * Replicas that must acknowledge a lease or slot write (WAIT) before the worker acts on it;
   * 'auto': 1 when the master has replicas (always with Sentinel or Cluster), else 0.
   */
  redisMinReplicas: number | 'auto'
  /** How long a guarded write waits for those acknowledgements before it counts as not held. */
  redisAckTimeoutMs: number
  /** Prefix of every Redis key; wrapped in a hash tag so Redis Cluster keeps one run's keys in one slot. */
  keyPrefix: string
  host: string
  /** Why `host` is what it is: start-up says so when the loopback default applies (issue 11, item 15). */
  hostFrom: 'HOST' | 'default (TLS)' | 'default (no TLS: loopback only)'
  /** Serve HTTPS with these PEM files (TLS_CERT / TLS_KEY); undefined: plain HTTP. */
  tls: { certPath: string; keyPath: string } | undefined
  port: number
  inventoryPath: string
  /** API keys file; undefined means "generate one under dataDir on first start". */
  apiKeysPath: string | undefined
  dataDir: string
  stageTimeoutSec: number
  maxParallelClusters: number
  logLevel: LogLevel
  /** Host jobs one worker process runs at once (they wait on SSH, not on CPU). */
  workerConcurrency: number
  /** Cluster lease time to live; renewed at a third of it while held. */
  leaseTtlMs: number
  /** BullMQ job lock; a worker that stops renewing it for this long is considered dead. */
  jobLockMs: number
  stalledIntervalMs: number
  runRetentionDays: number
  /** After a stage's own timeout, how long a worker keeps trying to reach the host to learn how it ended. */
  reattachGraceMs: number
  /** `/client/api` commands that change state must be signed with signatureversion=3 and a near expires (single-use). */
  cloudStackRequireExpires: boolean
  /** Webhooks (docs/api.md#webhooks) (ROLLMAINT_WEBHOOKS); empty when none are configured. */
  webhooks: WebhookConfig[]
}

type Env = Record<string, string | undefined>

/** Every variable loadConfig reads; deployment files are checked against this list by a test. */
export const CONFIG_ENV_VARS = [
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'REDIS_PASSWORD',
  'ROLLMAINT_REDIS_MIN_REPLICAS',
  'ROLLMAINT_REDIS_ACK_TIMEOUT_MS',
  'ROLLMAINT_KEY_PREFIX',
  'HOST',
  'PORT',
  'TLS_CERT',
  'TLS_KEY',
  'ROLLMAINT_INVENTORY',
  'ROLLMAINT_API_KEYS',
  'ROLLMAINT_DATA_DIR',
  'ROLLMAINT_STAGE_TIMEOUT',
  'ROLLMAINT_MAX_PARALLEL_CLUSTERS',
  'LOG_LEVEL',
  'ROLLMAINT_WORKER_CONCURRENCY',
  'ROLLMAINT_LEASE_TTL_MS',
  'ROLLMAINT_JOB_LOCK_MS',
  'ROLLMAINT_STALLED_INTERVAL_MS',
  'ROLLMAINT_RUN_RETENTION_DAYS',
  'ROLLMAINT_REATTACH_GRACE_MS',
  'ROLLMAINT_CLOUDSTACK_REQUIRE_EXPIRES',
  'ROLLMAINT_WEBHOOKS'
] as const

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`)
  const value = Number(raw.trim())
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

/** TLS_CERT and TLS_KEY: both (PEM file paths, resolved against cwd) or neither. */
function tlsFiles(env: Env, cwd: string): Config['tls'] {
  const cert = env.TLS_CERT?.trim()
  const key = env.TLS_KEY?.trim()
  if (!cert && !key) return undefined
  if (!cert)
    throw new ConfigError(
      'TLS_CERT',
      'TLS_KEY is set but TLS_CERT is not: set both (PEM files) to serve HTTPS, or neither'
    )
  if (!key)
    throw new ConfigError(
      'TLS_KEY',
      'TLS_CERT is set but TLS_KEY is not: set both (PEM files) to serve HTTPS, or neither'
    )
  return { certPath: path.resolve(cwd, cert), keyPath: path.resolve(cwd, key) }
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(env[name])}`)
}

function stringVar(env: Env, name: string, fallback: string): string {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim()
}

/**
 * Parses and validates the whole configuration once. Pure: reads only the `env` it is given, so
 * tests and each process (api, worker, all-in-one) obtain their config the same way.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const redis = parseRedisTarget(env)
  const minReplicasRaw = stringVar(env, 'ROLLMAINT_REDIS_MIN_REPLICAS', 'auto')
  if (minReplicasRaw !== 'auto' && !/^\d+$/.test(minReplicasRaw)) {
    throw new ConfigError(
      'ROLLMAINT_REDIS_MIN_REPLICAS',
      `expected auto or a whole number of replicas (0 disables the wait), got ${JSON.stringify(minReplicasRaw)}`
    )
  }
  const redisMinReplicas = minReplicasRaw === 'auto' ? 'auto' : intVar(env, 'ROLLMAINT_REDIS_MIN_REPLICAS', 0, 0, 16)
  const keyPrefix = stringVar(env, 'ROLLMAINT_KEY_PREFIX', 'rollmaint')
  if (!/^[A-Za-z0-9_.:-]+$/.test(keyPrefix)) {
    throw new ConfigError('ROLLMAINT_KEY_PREFIX', 'may contain only letters, digits and _ . : -')
  }
  const logLevel = stringVar(env, 'LOG_LEVEL', 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  }
  const apiKeys = env.ROLLMAINT_API_KEYS?.trim()
  const tls = tlsFiles(env, cwd)
  const explicitHost = env.HOST?.trim()
  const leaseTtlMs = intVar(env, 'ROLLMAINT_LEASE_TTL_MS', 6_000, 1_000, 599_000)
  const jobLockMs = intVar(env, 'ROLLMAINT_JOB_LOCK_MS', 8_000, 2_000, 600_000)
  // A worker stalled past its job lock must have lost its cluster lease by the time BullMQ runs the
  // job again, or the stalled attempt could still act on the cluster (issue 11, item 9).
  if (leaseTtlMs >= jobLockMs) {
    throw new ConfigError(
      'ROLLMAINT_LEASE_TTL_MS',
      `must be shorter than ROLLMAINT_JOB_LOCK_MS (${jobLockMs}), got ${leaseTtlMs}; ` +
        'a worker that stalls past its job lock must have lost its cluster lease by then'
    )
  }
  return {
    redis,
    redisMinReplicas,
    redisAckTimeoutMs: intVar(env, 'ROLLMAINT_REDIS_ACK_TIMEOUT_MS', 1000, 10, 60_000),
    keyPrefix,
    // Basic credentials must not cross a network in clear: without TLS only this machine (or a TLS
    // proxy on it) can reach the API unless HOST says otherwise.
    host: explicitHost || (tls ? '0.0.0.0' : '127.0.0.1'),
    hostFrom: explicitHost ? 'HOST' : tls ? 'default (TLS)' : 'default (no TLS: loopback only)',
    tls,
    port: intVar(env, 'PORT', 8080, 0, 65_535),
    inventoryPath: path.resolve(cwd, stringVar(env, 'ROLLMAINT_INVENTORY', './inventory.yaml')),
    apiKeysPath: apiKeys ? path.resolve(cwd, apiKeys) : undefined,
    dataDir: path.resolve(cwd, stringVar(env, 'ROLLMAINT_DATA_DIR', './.rollmaint')),
    stageTimeoutSec: intVar(env, 'ROLLMAINT_STAGE_TIMEOUT', 1800, 1, 7 * 24 * 3600),
    maxParallelClusters: intVar(env, 'ROLLMAINT_MAX_PARALLEL_CLUSTERS', 4, 1, 1000),
    logLevel,
    workerConcurrency: intVar(env, 'ROLLMAINT_WORKER_CONCURRENCY', 16, 1, 1000),
    leaseTtlMs,
    // A dead worker's job moves on after at most lock + stalled interval (10 s), its cluster's lease
    // after its TTL (6 s): together within 15 s of the crash (issue 12 item 4), leaving 5 s for the
    // new worker to reconnect and re-attach (with a 4 s check, a loaded CI machine once took 15.4 s).
    // BullMQ renews the lock every half of it and the lease every third, so a live worker loses
    // neither to a pause shorter than 4 s; the check only finds jobs whose lock has expired.
    jobLockMs,
    stalledIntervalMs: intVar(env, 'ROLLMAINT_STALLED_INTERVAL_MS', 2_000, 500, 600_000),
    runRetentionDays: intVar(env, 'ROLLMAINT_RUN_RETENTION_DAYS', 7, 7, 3650),
    reattachGraceMs: intVar(env, 'ROLLMAINT_REATTACH_GRACE_MS', 60_000, 0, 3_600_000),
    cloudStackRequireExpires: boolVar(env, 'ROLLMAINT_CLOUDSTACK_REQUIRE_EXPIRES', true),
    webhooks: parseWebhooks(env.ROLLMAINT_WEBHOOKS, cwd, WEBHOOK_EVENT_TYPES)
  }
}
