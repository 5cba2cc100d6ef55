import { randomUUID } from 'node:crypto'

/** Run ids are lower-case UUIDs; nothing else may reach a Redis key built from one. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function newRunId(): string {
  return randomUUID()
}

/**
 * Whether `id` has the run id format. Checked before any key is built from a caller's id: a key
 * built from `<id>:events` is the run's event stream (issue 11, item 8). Malformed is "not found".
 */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id)
}
