import type { RunEventType } from '../../shared/run-event.js'

/** Something that wants every run event once it is on the stream (the webhook publisher). */
export type EventSink = (event: { runId: string; id: string; type: RunEventType; data: unknown }) => Promise<void>

// Keyed by the key prefix so processes (and tests) with several rollmaint instances keep them apart.
const sinks = new Map<string, Set<EventSink>>()

/** Registers a sink for the events of one key prefix; returns its removal. */
export function addEventSink(prefix: string, sink: EventSink): () => void {
  let set = sinks.get(prefix)
  if (!set) sinks.set(prefix, (set = new Set()))
  set.add(sink)
  return () => {
    set.delete(sink)
    if (set.size === 0) sinks.delete(prefix)
  }
}

/**
 * Hands the event to every sink without waiting for them: a sink (webhooks) is never on the path
 * of the code that moves a host, and its failure is its own to log.
 */
export function notifyEventSinks(prefix: string, event: Parameters<EventSink>[0]): void {
  const set = sinks.get(prefix)
  if (!set) return
  for (const sink of set) void sink(event).catch(() => undefined)
}
