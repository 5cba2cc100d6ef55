import { Cluster, type Redis } from 'ioredis'
import type { Logger } from 'pino'
import { duplicateRedisConnection, type RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { RunEvent, RunEventStream } from '../../shared/run-event.js'
import { TERMINAL_STATUSES } from '../run/run-record.js'
import type { RunStatus } from '../../shared/types.js'

/** How long one shared blocking read waits; also the longest a newly watched run waits if it cannot wake the read. */
const BLOCK_MS = 2_000
/** A stream with nothing new checks this often whether its run ended without a `run.finished` it could see. */
const IDLE_CHECK_MS = 10_000
/** The worker marks a run finished a moment before it appends `run.finished`: wait that long for it. */
const FINISHED_GRACE_MS = 1_000
const BATCH = 500

type Entry = [string, string[]]
type XReadReply = Array<[string, Entry[]]> | null

/** Stream ids `ms-seq` in order (as numbers: string order breaks at a new digit). */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((p) => BigInt(p))
  const [bm = 0n, bs = 0n] = b.split('-').map((p) => BigInt(p))
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1
}

function toEvent([id, fields]: Entry): RunEvent {
  const type = fields[fields.indexOf('type') + 1] ?? 'unknown'
  const data = JSON.parse(fields[fields.indexOf('data') + 1] ?? '{}') as unknown
  // Only emitRunEvent writes this stream, from the same RunEventData types; every entry is passed
  // on (readers skip types they do not know) so the cursors always move past it.
  return { id, type, data } as RunEvent
}

interface Subscriber {
  last: string
  /** Until its own catch-up read is done, live events wait here (the catch-up may overlap them). */
  catchingUp: boolean
  pending: RunEvent[]
  queue: RunEvent[]
  wake: (() => void) | undefined
  closed: boolean
}

interface WatchedRun {
  cursor: string
  subscribers: Set<Subscriber>
}

export interface RunEventHub {
  /** Follows a run's events strictly after `afterId` (from the start without it) until `run.finished`. */
  open(runId: string, afterId?: string): RunEventStream
  /** Streams open now. */
  readonly openStreams: number
  close(): void
}

/**
 * Every event stream of a process shares ONE blocking Redis connection (issue 11, item 4: one
 * connection per stream let a readonly key exhaust `maxclients`, and workers then lose their
 * leases). A single XREAD covers every watched run from a cursor per run and hands each entry to
 * that run's subscribers. A subscriber first catches up from its own position with plain XRANGEs
 * on the shared command connection; live entries that arrive meanwhile wait in its `pending`, and
 * ids it already has are dropped, so it sees every event exactly once and in order.
 *
 * A run that has ended also ends the stream when nothing is left to read, even without a
 * `run.finished` after `afterId`: a client resuming after the last event or a stream whose last
 * append was lost must not hold a connection forever.
 */
export function createRunEventHub(
  base: RedisClient,
  keys: RedisKeys,
  opts: { connectionName?: string; logger?: Logger } = {}
): RunEventHub {
  const runs = new Map<string, WatchedRun>()
  let reader: RedisClient | undefined
  let readerId: number | undefined
  let reading = false
  let closed = false
  let open = 0

  const runEnded = async (runId: string): Promise<boolean> =>
    TERMINAL_STATUSES.has((await base.hget(keys.run(runId), 'status')) as RunStatus)

  function deliver(sub: Subscriber, event: RunEvent): void {
    if (sub.closed || compareStreamIds(event.id, sub.last) <= 0) return
    sub.last = event.id
    sub.queue.push(event)
    sub.wake?.()
  }

  function connect(): RedisClient {
    const conn = duplicateRedisConnection(base, {
      maxRetriesPerRequest: null,
      connectionName: opts.connectionName ?? 'rollmaint-events'
    })
    conn.on('error', () => undefined)
    // Its id lets a new subscription end the read in progress at once (CLIENT UNBLOCK) instead of after BLOCK_MS.
    // Not on a Redis Cluster: the read runs on the node of the streams' slot while CLIENT commands
    // go to any node, where the id would name some other client; there a new one waits for BLOCK_MS.
    if (conn instanceof Cluster) return conn
    conn.on('ready', () => {
      readerId = undefined
      void (conn as Redis)
        .client('ID')
        .then((id) => (readerId = Number(id)))
        .catch(() => undefined)
    })
    return conn
  }

  /** The one read loop; runs while any run is watched. */
  async function readLoop(): Promise<void> {
    if (reading || closed) return
    reading = true
    reader ??= connect()
    try {
      while (!closed && runs.size > 0) {
        const watched = [...runs]
        let reply: XReadReply
        try {
          reply = (await reader.xread(
            'COUNT',
            BATCH,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            ...watched.map(([id]) => keys.runEvents(id)),
            ...watched.map(([, w]) => w.cursor)
          )) as XReadReply
        } catch (err) {
          if (closed) return
          opts.logger?.warn({ err }, 'shared event stream read failed; retrying')
          await new Promise((r) => setTimeout(r, 500))
          continue
        }
        for (const [key, entries] of reply ?? []) {
          const runId = watched.find(([id]) => keys.runEvents(id) === key)?.[0]
          const run = runId === undefined ? undefined : runs.get(runId)
          if (!run) continue
          for (const entry of entries) {
            run.cursor = entry[0]
            const event = toEvent(entry)
            for (const sub of run.subscribers) {
              if (sub.catchingUp) sub.pending.push(event)
              else deliver(sub, event)
            }
          }
        }
      }
    } finally {
      reading = false
    }
  }

  function interruptRead(): void {
    if (readerId === undefined || !reading) return
    base.client('UNBLOCK', readerId).catch(() => undefined)
  }

  async function watch(runId: string, sub: Subscriber): Promise<void> {
    let run = runs.get(runId)
    if (!run) {
      // The newest id now: everything up to it is the subscriber's catch-up, which starts after this.
      const top = (await base.xrevrange(keys.runEvents(runId), '+', '-', 'COUNT', 1)) as Entry[]
      run = runs.get(runId) ?? { cursor: top[0]?.[0] ?? '0-0', subscribers: new Set() }
      runs.set(runId, run)
      run.subscribers.add(sub)
      // The read loop outlives this call (it serves every watcher) and handles its own read failures.
      if (reading) interruptRead()
      else void readLoop()
      return
    }
    run.subscribers.add(sub)
  }

  function unwatch(runId: string, sub: Subscriber): void {
    const run = runs.get(runId)
    if (!run) return
    run.subscribers.delete(sub)
    if (run.subscribers.size === 0) runs.delete(runId)
  }

  return {
    get openStreams() {
      return open
    },
    open(runId, afterId) {
      const sub: Subscriber = {
        last: afterId && /^\d+-\d+$/.test(afterId) ? afterId : '0-0',
        catchingUp: true,
        pending: [],
        queue: [],
        wake: undefined,
        closed: false
      }
      const next = (ms: number): Promise<boolean> =>
        new Promise<boolean>((resolve) => {
          // close() may have come while this stream was reading Redis, when there was no wait to wake:
          // waiting anyway kept a closing server up to IDLE_CHECK_MS.
          if (sub.closed) return resolve(false)
          const timer = setTimeout(() => done(false), ms)
          const done = (got: boolean): void => {
            clearTimeout(timer)
            sub.wake = undefined
            resolve(got)
          }
          sub.wake = () => done(true)
        })
      return {
        close() {
          sub.closed = true
          sub.wake?.()
        },
        async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
          open++
          try {
            await watch(runId, sub)
            for (;;) {
              const batch = (await base.xrange(keys.runEvents(runId), `(${sub.last}`, '+', 'COUNT', BATCH)) as Entry[]
              for (const entry of batch) deliver(sub, toEvent(entry))
              while (sub.queue.length > 0) {
                const event = sub.queue.shift()!
                yield event
                if (event.type === 'run.finished' || sub.closed) return
              }
              if (batch.length < BATCH) break
            }
            sub.catchingUp = false
            for (const event of sub.pending.splice(0)) deliver(sub, event)
            while (!sub.closed) {
              while (sub.queue.length > 0) {
                const event = sub.queue.shift()!
                yield event
                if (event.type === 'run.finished' || sub.closed) return
              }
              // Checked before waiting: once the run has ended, a quiet moment means nothing more will come.
              const ended = await runEnded(runId)
              if (sub.queue.length > 0) continue
              const got = await next(ended ? FINISHED_GRACE_MS : IDLE_CHECK_MS)
              if (!got && ended && sub.queue.length === 0) return
            }
          } finally {
            sub.closed = true
            open--
            unwatch(runId, sub)
          }
        }
      }
    },
    close() {
      closed = true
      runs.clear()
      reader?.disconnect()
      reader = undefined
    }
  }
}
