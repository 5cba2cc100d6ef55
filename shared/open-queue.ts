import type { EventEmitter } from 'node:events'
import { Queue, type QueueOptions } from 'bullmq'

/**
 * BullMQ (5.81) starts a connection's initialisation in its constructor and handles a failure with
 * `.catch(err => connection.emit('error', err))`. Closing a queue or worker on a shared connection
 * while that initialisation is still pending (Redis down, a failover in progress) removes every
 * listener first, so the late failure is an `emit('error')` with no listener: it throws, and the
 * throw becomes an unhandled rejection, which ends a Node process (seen in the Sentinel failover
 * test, ECONNRESET and "Connection is closed"). Here such an emit is dropped instead; the shared
 * connection logs its own errors (store/connection.ts). Applied to the internal connections of
 * every Queue and Worker rollmaint makes.
 */
export function guardConnectionErrors<T extends object>(target: T): T {
  const internals = target as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter }
  for (const conn of [internals.connection, internals.blockingConnection]) {
    if (!conn) continue
    const emit = conn.emit.bind(conn)
    conn.emit = (event: string | symbol, ...args: unknown[]): boolean =>
      event === 'error' && conn.listenerCount('error') === 0 ? false : emit(event, ...args)
  }
  return target
}

/**
 * A BullMQ Queue whose errors are handled: its own 'error' events (the shared connection has logged
 * them already) and its connection's (above).
 */
export function openQueue(name: string, opts: QueueOptions): Queue {
  return guardConnectionErrors(new Queue(name, opts)).on('error', () => undefined)
}
