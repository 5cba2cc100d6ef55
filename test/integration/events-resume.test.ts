import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { createWorker, type RollmaintWorker } from '../../workers/create-worker.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { readSse } from '../support/read-sse.js'
import { listenE2EApi } from '../support/e2e-api.js'

// Edges of the event stream the main events test does not reach: a run with no events yet (no
// worker has taken it), and clients that come back after the run's last event.
const READER: ApiUser = {
  name: 'watcher',
  apiKey: 'resume-key-0123456789',
  secretKey: 'resume-secret-0123456789',
  role: 'readonly'
}
const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }

let e2e: E2E
let fastify: FastifyInstance
let base: string
let lateWorker: RollmaintWorker | undefined
beforeAll(async () => {
  // No worker at first: runs stay queued until a test starts one.
  e2e = await startE2E({ label: 'sse-resume', clusters: [{ name: 'r1', hosts: ['r1a', 'r1b'] }], workers: 0 })
  ;({ fastify, url: base } = await listenE2EApi(e2e, [READER]))
})
afterAll(async () => {
  await fastify?.close()
  await lateWorker?.forceClose()
  await e2e?.close()
})

const eventsUrl = (runId: string): string => `${base}/api/v1/rolling-maintenance/${runId}/events`

describe('event stream edges', () => {
  it('a queued run without events answers at once (headers committed), then streams everything once a worker takes it', async () => {
    setHooks(e2e.fleet, ['r1a', 'r1b'], { PreFlight: {}, Maintenance: { stdout: 'ok' } })
    const run = await e2e.start({ clusterids: [clusterId('r1')] })
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 3_000)
    const res = await fetch(eventsUrl(run.id), {
      headers: { ...auth, accept: 'text/event-stream' },
      signal: controller.signal
    })
    clearTimeout(timer)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await res.body?.cancel()

    const watching = readSse(eventsUrl(run.id), auth, (e) => e.event === 'run.finished')
    lateWorker = await createWorker({ config: e2e.config, inventory: e2e.inventory, logger: pino({ level: 'silent' }) })
    const events = await watching
    expect(events[0]!.event).toBe('run.started')
    expect(events.at(-1)!.event).toBe('run.finished')
    expect(events.filter((e) => e.event === 'stage.started').length).toBe(
      events.filter((e) => e.event === 'stage.finished').length
    )
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  })

  it('a finished run replays its events and ends; resuming after its last event ends at once, empty', async () => {
    setHooks(e2e.fleet, ['r1a'], { Maintenance: {} })
    const run = await e2e.start({ hostids: [hostId('r1a')] })
    await e2e.waitForRun(run.id)
    // `until` never stops the reader: only the server ending the response does.
    const all = await readSse(eventsUrl(run.id), auth, () => false, 10_000)
    expect(all.map((e) => e.event)).toEqual(expect.arrayContaining(['run.started', 'stage.finished', 'host.updated']))
    expect(all.at(-1)!.event).toBe('run.finished')

    const startedAt = Date.now()
    const after = await readSse(eventsUrl(run.id), { ...auth, 'last-event-id': all.at(-1)!.id! }, () => false, 10_000)
    expect(after).toEqual([])
    expect(Date.now() - startedAt).toBeLessThan(5_000)
  })

  it('a malformed ?lastEventId is a 400 before any stream starts', async () => {
    const run = (await e2e.runService.listRuns({ limit: 1 }))[0]!
    const res = await fetch(`${eventsUrl(run.id)}?lastEventId=abc`, { headers: auth })
    expect(res.status).toBe(400)
  })
})
