/** What a fenced write needs to prove it still drives the cluster. */
export interface LeaseRef {
  clusterId: string
  token: string
  owner: string
}

export const leaseValue = (lease: LeaseRef): string => `${lease.token}|${lease.owner}`

/** Lua replies of fenced writes. */
export type FencedReply = 'OK' | 'LEASE_LOST' | `BUSY:${string}`
