/**
 * No Redis master answers (down, or a Sentinel/Cluster failover in progress). The message is for
 * clients: it names no address; the cause (ioredis' own error) goes to the log only.
 */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE'
  override readonly name = 'RedisUnavailableError'
  constructor(cause?: unknown) {
    super(
      'Redis is not reachable: no master answers (it is down or a failover is in progress). Nothing was changed; retry in a few seconds.',
      { cause }
    )
  }
}
