import { Queue, type QueueOptions } from 'bullmq'

/**
 * A BullMQ Queue whose errors are handled. BullMQ re-emits its connection's errors, and a failed
 * first handshake, as 'error' on the Queue; with no listener that becomes an unhandled rejection,
 * which ends a Node process (seen when the Redis master was killed under the API). The connection
 * these queues share logs its own errors already (store/connection.ts), so `onError` defaults to
 * nothing.
 */
export function openQueue(name: string, opts: QueueOptions, onError: (err: Error) => void = () => undefined): Queue {
  const queue = new Queue(name, opts)
  queue.on('error', onError)
  return queue
}
