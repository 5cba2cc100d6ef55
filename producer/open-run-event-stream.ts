import type { Redis } from 'ioredis'
import type { RedisKeys } from '../shared/redis-keys.js'
import type { RunEvent, RunEventStream } from '../shared/run-event.js'

const BLOCK_MS = 10_000

/**
 * Follows a run's event stream strictly after `afterId` (from the start without it) until
 * `run.finished`. Blocking reads get a connection of their own, so a slow watcher never stalls the
 * shared one; `close()` (client gone) drops it, which also ends a read in progress.
 */
export function openRunEventStream(base: Redis, keys: RedisKeys, runId: string, afterId?: string): RunEventStream {
  const redis = base.duplicate({ maxRetriesPerRequest: null, connectionName: 'rollmaint-events' })
  redis.on('error', () => undefined)
  let closed = false
  return {
    close() {
      closed = true
      redis.disconnect()
    },
    async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
      let last = afterId && /^\d+-\d+$/.test(afterId) ? afterId : '0'
      try {
        while (!closed) {
          const reply = (await redis.xread('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', keys.runEvents(runId), last).catch(() => null)) as
            | Array<[string, Array<[string, string[]]>]>
            | null
          if (closed) return
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
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
