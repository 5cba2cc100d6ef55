import { TooManyStreamsError } from '../shared/errors/too-many-streams-error.js'

export interface StreamLimits {
  perKey: number
  total: number
}

/** docs/api.md#limits. */
export const STREAM_LIMITS: StreamLimits = { perKey: 20, total: 500 }

export interface StreamSlots {
  /** Takes a slot for `key`, or throws TooManyStreamsError; the returned release is idempotent. */
  acquire(key: string): () => void
  readonly open: number
}

/** Counts open event streams per API key and in all (issue 11, item 4). Pure bookkeeping, no I/O. */
export function createStreamSlots(limits: StreamLimits = STREAM_LIMITS): StreamSlots {
  const byKey = new Map<string, number>()
  let total = 0
  return {
    get open() {
      return total
    },
    acquire(key) {
      const mine = byKey.get(key) ?? 0
      if (mine >= limits.perKey) throw new TooManyStreamsError('key', limits.perKey)
      if (total >= limits.total) throw new TooManyStreamsError('total', limits.total)
      byKey.set(key, mine + 1)
      total++
      let released = false
      return () => {
        if (released) return
        released = true
        total--
        const left = (byKey.get(key) ?? 1) - 1
        if (left === 0) byKey.delete(key)
        else byKey.set(key, left)
      }
    }
  }
}
