import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostRunState } from '../../shared/host-run-state.js'
import { loadConfig } from '../../shared/config.js'
import { initHostRunStates } from '../../store/host/init-host-run-states.js'
import { createRedisKeys } from '../../store/keys.js'
import { createRunRecord } from '../../store/run/create-run-record.js'
import { getRunSnapshot } from '../../store/run/get-run-snapshot.js'
import { makeRunFinalizer } from '../../workers/finalize-run.js'
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../support/redis.js'
import type { RedisClient } from '../../store/connection.js'

/**
 * The run's result stored by the cluster job whose host was the run's last (issue 12: no job hop at
 * the run's end), only when nothing is left to happen in the run; otherwise the run job does it.
 */
const prefix = uniquePrefix('finalize-run')
const keys = createRedisKeys(prefix)
let redis: RedisClient
let n = 0

beforeAll(() => {
  redis = testRedis()
})
afterAll(async () => {
  redis.disconnect()
  await deletePrefix(prefix)
})

const finalizer = () =>
  makeRunFinalizer({
    redis,
    keys,
    config: loadConfig({ REDIS_URL: testRedisUrl() }),
    logger: pino({ level: 'silent' })
  })

const done = (id: string, clusterId: string): HostRunState => ({
  hostId: id,
  hostName: id,
  clusterId,
  phase: 'done',
  updated: { startdate: '2026-12-06T12:00:00.000Z', enddate: '2026-12-06T12:00:01.000Z', output: '', seq: 1 },
  finishedAt: '2026-12-06T12:00:01.000Z'
})

/** A running run of two hosts in two clusters, their records as given. */
async function runWith(states: HostRunState[]): Promise<string> {
  const id = `run-${++n}`
  const clusterIds = [...new Set(states.map((s) => s.clusterId))]
  await createRunRecord(
    redis,
    keys,
    {
      id,
      status: 'running',
      request: { zoneids: [], podids: [], clusterids: [], hostids: [], forced: false },
      createdAt: new Date().toISOString(),
      hostIds: states.map((s) => s.hostId),
      clusterIds
    },
    states.map((s) => s.clusterId)
  )
  await initHostRunStates(redis, keys, id, states)
  return id
}

const events = async (runId: string): Promise<string[]> =>
  (await redis.xrange(keys.runEvents(runId), '-', '+')).map(([, fields]) => fields[fields.indexOf('type') + 1]!)

describe('finalizeIfAllDone', () => {
  it('every host done: the result is stored once, run.finished emitted once, the clusters freed', async () => {
    const runId = await runWith([done(`a${n}`, `ca${n}`), done(`b${n}`, `cb${n}`)])
    // The last cluster jobs of a run end at about the same moment: one of them stores the result.
    const claims = await Promise.all(['w/a', 'w/b', 'w/c'].map((who) => finalizer().finalizeIfAllDone(runId, who)))
    expect(claims.filter(Boolean)).toHaveLength(1)
    const run = (await getRunSnapshot(redis, keys, runId))!.run
    expect(run.status).toBe('succeeded')
    expect(run.result?.rollingmaintenance.hostsupdated.map((h) => h.hostname).sort()).toEqual([...run.hostIds].sort())
    for (const c of run.clusterIds) expect(await redis.exists(keys.clusterRun(c))).toBe(0)
    // The run job coming second finds it finished; the cluster job asking again changes nothing.
    expect(await finalizer().finalizeIfAllDone(runId, 'w/d')).toBe(false)
    expect((await events(runId)).filter((t) => t === 'run.finished')).toHaveLength(1)
  })

  it('a host not done, a stop or a cancel: nothing is written, the run job decides', async () => {
    const open = await runWith([
      done(`a${n}`, `ca${n}`),
      { ...done(`b${n}`, `cb${n}`), phase: 'ready' } as HostRunState
    ])
    const stopped = await runWith([done(`a${n}`, `ca${n}`)])
    await redis.hset(keys.run(stopped), 'stopReason', 'host checks failed')
    const cancelled = await runWith([done(`a${n}`, `ca${n}`)])
    await redis.hset(keys.run(cancelled), 'cancelRequested', '1')
    for (const runId of [open, stopped, cancelled]) {
      expect(await finalizer().finalizeIfAllDone(runId, 'w/a')).toBe(false)
      expect((await getRunSnapshot(redis, keys, runId))?.run.status).toBe('running')
      expect(await events(runId)).toEqual([])
    }
  })
})
