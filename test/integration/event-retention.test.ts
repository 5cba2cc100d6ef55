import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { emitRunEvent } from '../../store/events/emit-run-event.js'
import { createRunRecord } from '../../store/run/create-run-record.js'
import { deleteRunRecord } from '../../store/run/delete-run-record.js'
import { finishRun } from '../../store/run/finish-run.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { readSse } from '../support/read-sse.js'

// Issue 11, item 10: a run's event stream was trimmed at ~50,000 entries while a 10,000-host run
// emits ~90,000, and a resume from a trimmed id silently skipped what was lost.
const READER: ApiUser = {
  name: 'watcher',
  apiKey: 'retention-key-0123456789',
  secretKey: 'retention-secret-0123456789',
  role: 'readonly'
}
const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }

let e2e: E2E
let fastify: FastifyInstance
let base: string
beforeAll(async () => {
  // No worker: the test writes the events itself.
  e2e = await startE2E({ label: 'retention', clusters: [{ name: 'ret', hosts: ['ret1'] }], workers: 0 })
  fastify = Fastify(serverOptions)
  await fastify.register(app, {
    config: e2e.config,
    inventory: e2e.inventory,
    runService: e2e.runService,
    apiKeys: createApiKeyStore([READER])
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

/** `count` stage events of one host, written as workers write them (many in flight at once). */
async function emitMany(runId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 2_000) {
    await Promise.all(
      Array.from({ length: Math.min(2_000, count - i) }, (_, j) =>
        emitRunEvent(e2e.redis, e2e.keys, runId, 'stage.started', {
          hostId: `h${i + j}`,
          hostName: `h${i + j}`,
          clusterId: 'c',
          stage: 'Maintenance'
        })
      )
    )
  }
}

describe("a run's events are kept whole, bounded by the run's size (issue 11, item 10)", () => {
  it('a run of 7,000 hosts keeps all of its 63,000 events (a fixed cap of 50,000 lost the first 13,000)', async () => {
    const hostIds = Array.from({ length: 7_000 }, (_, i) => `h${i}`)
    const record = {
      id: 'retention-big',
      status: 'queued' as const,
      request: { zoneids: [], podids: [], clusterids: [], hostids: [], forced: false },
      createdAt: new Date().toISOString(),
      hostIds,
      clusterIds: ['c']
    }
    expect(
      await createRunRecord(
        e2e.redis,
        e2e.keys,
        record,
        hostIds.map(() => 'c')
      )
    ).toEqual([])
    // Nine events per host cycle: four stages started and finished, and host.updated.
    await emitMany(record.id, 63_000)
    expect(await e2e.redis.xlen(e2e.keys.runEvents(record.id))).toBe(63_000)
    await deleteRunRecord(e2e.redis, e2e.keys, record.id, record.clusterIds)
  })

  it('a resume from an event no longer kept is answered 410 EVENTS_TRIMMED, never silently skipped', async () => {
    const run = await e2e.start({ hostids: [hostId('ret1')] })
    const key = e2e.keys.runEvents(run.id)
    await emitMany(run.id, 1)
    const [[trimmedId]] = (await e2e.redis.xrange(key, '-', '+', 'COUNT', 1)) as unknown as [[string]]
    // Far beyond what a one-host run emits: the stream is trimmed to its run's bound.
    await emitMany(run.id, 5_000)
    expect(await e2e.redis.xlen(key)).toBeLessThan(5_000)
    const [[oldest]] = (await e2e.redis.xrange(key, '-', '+', 'COUNT', 1)) as unknown as [[string]]
    const [[newest]] = (await e2e.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as unknown as [[string]]
    expect(oldest).not.toBe(trimmedId)
    const url = `${base}/api/v1/rolling-maintenance/${run.id}/events`

    // A client whose last event was trimmed away (by header, then by query): what followed it is partly gone.
    for (const [target, headers] of [
      [url, { 'last-event-id': trimmedId }],
      [`${url}?lastEventId=${trimmedId}`, {}]
    ] as const) {
      const res = await fetch(target, { headers: { ...auth, accept: 'text/event-stream', ...headers } })
      expect(res.status).toBe(410)
      const body = (await res.json()) as { error: string; message: string }
      expect(body.error).toBe('EVENTS_TRIMMED')
      expect(body.message).toContain(trimmedId)
      expect(body.message).toContain(oldest)
    }

    // A client that has seen a kept event resumes as before (the run has ended: the stream ends when read).
    const result = { rollingmaintenance: { details: 'OK', hostsskipped: [], hostsupdated: [], success: true } }
    await finishRun(e2e.redis, e2e.keys, { id: run.id, clusterIds: [clusterId('ret')] }, 'succeeded', result, 7)
    const length = await e2e.redis.xlen(key)
    const fromOldest = await readSse(url, { ...auth, 'last-event-id': oldest }, () => false, 10_000)
    expect(fromOldest).toHaveLength(length - 1)
    expect(await readSse(url, { ...auth, 'last-event-id': newest }, () => false, 10_000)).toEqual([])
  })
})
