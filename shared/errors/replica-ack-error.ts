/**
 * A write that guards the invariant (cluster lease, maintenance slot) reached the master but not
 * enough replicas in time: a failover now could lose it, so the worker does not act on it.
 */
export class ReplicaAckError extends Error {
  readonly code = 'REDIS_REPLICA_ACK_TIMEOUT'
  override readonly name = 'ReplicaAckError'
  constructor(
    readonly what: string,
    readonly needed: number,
    readonly acknowledged: number,
    readonly timeoutMs: number
  ) {
    super(
      `Redis replicas did not confirm the ${what} write within ${timeoutMs} ms (${acknowledged} of ${needed}); ` +
        'the worker does not act on it and retries. Check the replicas (`INFO replication` on the master) ' +
        'or lower ROLLMAINT_REDIS_MIN_REPLICAS.'
    )
  }
}
