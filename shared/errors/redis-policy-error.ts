/** Redis would evict keys under memory pressure, silently losing jobs, leases and run records. */
export class RedisPolicyError extends Error {
  readonly code = 'REDIS_EVICTION_POLICY'
  override readonly name = 'RedisPolicyError'
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}"; rollmaint needs "noeviction" so that queued jobs, leases and run records are never evicted. ` +
        'Run `redis-cli CONFIG SET maxmemory-policy noeviction` (and set it in redis.conf).'
    )
  }
}
