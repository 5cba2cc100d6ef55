import type { Redis } from 'ioredis'
import { duplicateRedisConnection } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { RunEvent, RunEventStream } from '../../shared/run-event.js'
import { TERMINAL_STATUSES } from '../run/run-record.js'
import type { RunStatus } from '../../shared/types.js'

const BLOCK_MS = 10_000
/** The worker marks a run finished a moment before it appends `run.finished`: wait that long for it. */
const FINISHED_GRACE_MS = 1_000

type XReadReply = Array<[string, Array<[string, string[]]>]> | null

/**
 * Follows a run's event stream strictly after `afterId` (from the start without it) until
 * `run.finished`. Blocking reads get a connection of their own, so a slow watcher never stalls the
 * shared one; `close()` (client gone) drops it, which also ends a read in progress.
 *
 * A run that has ended also ends the stream when nothing is left to read, even without a
 * `run.finished` after `afterId`: a client resuming after the last event (EventSource reconnects
 * on its own) or a stream whose last append was lost must not hold a connection forever.
 */
export function openRunEventStream(base: Redis, keys: RedisKeys, runId: string, afterId?: string): RunEventStream {
  const redis = duplicateRedisConnection(base, { maxRetriesPerRequest: null, connectionName: 'rollmaint-events' })
  redis.on('error', () => undefined)
  let closed = false
  const runEnded = async (): Promise<boolean> => TERMINAL_STATUSES.has((await base.hget(keys.run(runId), 'status')) as RunStatus)
  return {
    close() {
      closed = true
      redis.disconnect()
    },
    async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
      let last = afterId && /^\d+-\d+$/.test(afterId) ? afterId : '0'
      try {
        while (!closed) {
          // Checked before the read: once the run has ended, an empty read means nothing more will come.
          const ended = await runEnded()
          const blockMs = ended ? FINISHED_GRACE_MS : BLOCK_MS
          let reply: XReadReply
          try {
            reply = (await redis.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', keys.runEvents(runId), last)) as XReadReply
          } catch (err) {
            // close() rejects the read in progress: that is the normal end, not an error.
            if (closed) return
            throw err
          }
          if (closed) return
          const entries = reply?.[0]?.[1] ?? []
          if (entries.length === 0 && ended) return
          for (const [id, fields] of entries) {
            last = id
            const type = fields[fields.indexOf('type') + 1] ?? 'unknown'
            const data = JSON.parse(fields[fields.indexOf('data') + 1] ?? '{}') as Record<string, unknown>
            yield { id, type, data }
            if (type === 'run.finished') return
          }
        }
      } finally {
        closed = true
        redis.disconnect()
      }
    },
  }
}
