/** What a fenced write needs to prove it still drives the cluster. */
export interface LeaseRef {
  clusterId: string
  token: string
  owner: string
}

export const leaseValue = (lease: LeaseRef): string => `${lease.token}|${lease.owner}`

/**
 * Outcome of a write fenced by the cluster lease (and, for slot moves, by the maintenance slot).
 * The Lua side answers `{'ok'}`, `{'lease-lost'}` or `{'busy', holder}`; `parseFencedReply` is the
 * only place that reads those arrays.
 */
export type FencedWrite = { kind: 'ok' } | { kind: 'lease-lost' } | { kind: 'busy'; holder: string }

export function parseFencedReply(reply: unknown): FencedWrite {
  const [kind, holder] = Array.isArray(reply) ? (reply as unknown[]) : [reply]
  if (kind === 'ok') return { kind: 'ok' }
  if (kind === 'lease-lost') return { kind: 'lease-lost' }
  if (kind === 'busy') return { kind: 'busy', holder: typeof holder === 'string' ? holder : 'nobody' }
  throw new Error(`unexpected reply of a fenced write: ${JSON.stringify(reply)}`)
}
