import type { EventEmitter } from 'node:events'
import { Queue, type QueueOptions } from 'bullmq'
import { isRedisUnavailable } from './is-redis-unavailable.js'

/** What BullMQ (5.81, pinned) keeps on a Queue's or Worker's RedisConnection that we rely on here. */
interface ConnectionInternals extends EventEmitter {
  initializing: Promise<unknown>
  closing?: boolean
  init(): Promise<unknown>
  _client: EventEmitter
  handleClientError: (...args: unknown[]) => void
  handleClientClose: (...args: unknown[]) => void
  handleClientReady: (...args: unknown[]) => void
}

function internalConnections(target: object): ConnectionInternals[] {
  const internals = target as { connection?: ConnectionInternals; blockingConnection?: ConnectionInternals }
  return [internals.connection, internals.blockingConnection].filter((c) => c !== undefined)
}

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
  for (const conn of internalConnections(target)) {
    const emit = conn.emit.bind(conn)
    conn.emit = (event: string | symbol, ...args: unknown[]): boolean =>
      event === 'error' && conn.listenerCount('error') === 0 ? false : emit(event, ...args)
  }
  return target
}

// Between two attempts, so a Redis that refuses at once is not asked in a tight loop.
const REINIT_DELAY_MS = 200

/**
 * BullMQ keeps a connection's first initialisation (its INFO for the server's version) as the
 * promise every later command awaits. When Redis goes away between the connection being ready and
 * that INFO's answer (the API's connections give up after two reconnect attempts), the promise stays
 * rejected: every command of that queue fails for the rest of the process, long after Redis is back
 * (seen in CI: the Sentinel test's API answered 503 to every new run for 30 s after the master
 * returned, while its reads, on another connection, had recovered). Here a failed initialisation
 * that says "Redis unavailable" is started again, after the listeners it had added are taken off,
 * until it succeeds or the queue is closed, and the queue's scripts, which hold the first promise,
 * are made again; the commands that came meanwhile failed as they would have with Redis down (the
 * API answers 503).
 */
export function healFailedInit<T extends object>(target: T): T {
  const scripted = target as { createScripts?: () => void }
  for (const conn of internalConnections(target)) {
    const watch = (attempt: Promise<unknown>): void => {
      attempt.catch(async (err: unknown) => {
        if (conn.closing || !isRedisUnavailable(err)) return
        await new Promise((resolve) => setTimeout(resolve, REINIT_DELAY_MS).unref())
        if (conn.closing) return
        const client = conn._client
        client.off('error', conn.handleClientError)
        client.off('close', conn.handleClientClose)
        client.off('ready', conn.handleClientReady)
        client.setMaxListeners(client.getMaxListeners() - 3)
        const again = conn.init()
        again.catch((e: unknown) => conn.emit('error', e))
        conn.initializing = again
        // The queue's scripts captured the first promise when they were made: make them again.
        scripted.createScripts?.()
        watch(again)
      })
    }
    watch(conn.initializing)
  }
  return target
}

/**
 * A BullMQ Queue whose errors are handled: its own 'error' events (the shared connection has logged
 * them already) and its connection's (above), and whose failed initialisation heals (above).
 */
export function openQueue(name: string, opts: QueueOptions): Queue {
  return healFailedInit(guardConnectionErrors(new Queue(name, opts))).on('error', () => undefined)
}
