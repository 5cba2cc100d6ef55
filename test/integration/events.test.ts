import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import type { RunView } from '../../shared/run-view.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { readSse } from '../support/read-sse.js'
import { listenE2EApi } from '../support/e2e-api.js'

const READER: ApiUser = {
  name: 'watcher',
  apiKey: 'watcher-key-0123456789',
  secretKey: 'watcher-secret-0123456789',
  role: 'readonly'
}
const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }

let e2e: E2E
let fastify: FastifyInstance
let base: string
beforeAll(async () => {
  e2e = await startE2E({
    label: 'sse',
    clusters: [
      { name: 'ev1', hosts: ['e1', 'e2'] },
      { name: 'ev2', hosts: ['f1'] }
    ]
  })
  ;({ fastify, url: base } = await listenE2EApi(e2e, [READER]))
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

describe('live progress', () => {
  it('streams run, stage and host events with exit codes and durations, ends with the result, and resumes after Last-Event-ID', async () => {
    setHooks(e2e.fleet, ['e1', 'e2', 'f1'], {
      PreFlight: {},
      PreMaintenance: {},
      Maintenance: { sleepSec: 0.5, stdout: 'ok' },
      PostMaintenance: {}
    })
    const run = await e2e.start({ clusterids: [clusterId('ev1'), clusterId('ev2')] })
    const url = `${base}/api/v1/rolling-maintenance/${run.id}/events`
    // progress while the run is in flight: per cluster, the current host and stage
    let sawProgress = false
    const watching = readSse(url, auth, (e) => e.event === 'run.finished')
    for (let i = 0; i < 200 && !sawProgress; i++) {
      const view = (await (
        await fetch(`${base}/api/v1/rolling-maintenance/${run.id}`, { headers: auth })
      ).json()) as RunView
      sawProgress = view.progress.clusters.some((c) => c.currentHostName && c.currentStage === 'Maintenance')
      await new Promise((r) => setTimeout(r, 25))
    }
    expect(sawProgress).toBe(true)
    const events = await watching
    const types = events.map((e) => e.event)
    expect(types[0]).toBe('run.started')
    expect(types.at(-1)).toBe('run.finished')
    const finishedStages = events
      .filter((e) => e.event === 'stage.finished')
      .map((e) => JSON.parse(e.data) as { stage: string; exitCode: number; durationMs: number; hostName: string })
    expect(finishedStages.filter((s) => s.hostName === 'e1').map((s) => s.stage)).toEqual([
      'PreFlight',
      'PreMaintenance',
      'Maintenance',
      'PostMaintenance'
    ])
    expect(finishedStages.every((s) => s.exitCode === 0 && s.durationMs >= 0)).toBe(true)
    expect(
      finishedStages.find((s) => s.hostName === 'e1' && s.stage === 'Maintenance')!.durationMs
    ).toBeGreaterThanOrEqual(400)
    expect(events.filter((e) => e.event === 'host.updated')).toHaveLength(3)
    const result = JSON.parse(events.at(-1)!.data) as {
      status: string
      result: { rollingmaintenance: { success: boolean } }
    }
    expect(result.status).toBe('succeeded')
    expect(result.result.rollingmaintenance.success).toBe(true)

    // resume from a middle event: exactly the rest, no duplicates, no gaps
    const middle = Math.floor(events.length / 2)
    const rest = await readSse(
      url,
      { ...auth, 'last-event-id': events[middle]!.id! },
      (e) => e.event === 'run.finished'
    )
    expect(rest.map((e) => e.id)).toEqual(events.slice(middle + 1).map((e) => e.id))
    const viaQuery = await readSse(`${url}?lastEventId=${events[middle]!.id}`, auth, (e) => e.event === 'run.finished')
    expect(viaQuery).toHaveLength(rest.length)
  })

  it('an unknown run is 404 before any stream starts; no credentials is 401', async () => {
    const res = await fetch(`${base}/api/v1/rolling-maintenance/nope/events`, {
      headers: { accept: 'text/event-stream', ...auth }
    })
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: string }).error).toBe('RUN_NOT_FOUND')
    expect((await fetch(`${base}/api/v1/rolling-maintenance/nope/events`)).status).toBe(401)
  })
})

describe('shutdown', () => {
  it('the API closes promptly even with an event stream open', async () => {
    const other = Fastify(serverOptions)
    await other.register(app, {
      config: e2e.config,
      inventory: e2e.inventory,
      runService: e2e.runService,
      apiKeys: createApiKeyStore([READER])
    })
    await other.listen({ port: 0, host: '127.0.0.1' })
    setHooks(e2e.fleet, ['f1'], { Maintenance: { sleepSec: 3 } })
    const run = await e2e.start({ hostids: ['host-f1'] })
    const url = `http://127.0.0.1:${(other.server.address() as { port: number }).port}/api/v1/rolling-maintenance/${run.id}/events`
    const res = await fetch(url, { headers: { ...auth, accept: 'text/event-stream' } })
    expect(res.status).toBe(200)
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(2000)
    await e2e.waitForRun(run.id)
  })
})
