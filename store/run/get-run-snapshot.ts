import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import { parseHostRunState } from '../../shared/host-run-state.js'
import type { RedisKeys } from '../keys.js'
import { parseRunRecord, type RunRecord } from './run-record.js'

export interface RunSnapshot {
  run: RunRecord
  hosts: HostRunState[]
}

/** One round trip: the run hash and its hosts' records. */
export async function getRunSnapshot(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string
): Promise<RunSnapshot | undefined> {
  const replies = await redis.multi().hgetall(keys.run(runId)).hvals(keys.runHosts(runId)).exec()
  if (!replies) return undefined
  const [[runErr, hash], [hostsErr, values]] = replies as [
    [Error | null, Record<string, string>],
    [Error | null, string[]]
  ]
  if (runErr) throw runErr
  if (hostsErr) throw hostsErr
  const run = parseRunRecord(hash)
  if (!run) return undefined
  return { run, hosts: values.map(parseHostRunState) }
}
