import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../api/app.js'
import { createApiKeyStore, type ApiUser } from '../../api/auth/api-key-store.js'
import { loadConfig } from '../../shared/config.js'
import {
  expectFailoverHeld,
  PRODUCTION_TIMINGS,
  runFailoverScenario,
  type FailoverReport
} from '../support/failover-scenario.js'
import { startSentinelGroup, type SentinelGroup } from '../support/redis-ha.js'
import { createRedisKeys } from '../../store/keys.js'
import { resolveMinReplicas, setReplicaAckPolicy } from '../../store/replica-ack.js'
import { fencedHostCycle, takeLease } from '../support/fenced-cycle.js'
import { uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'ha-admin-key-0123456789',
  secretKey: 'ha-admin-secret-0123456789-abcdef',
  role: 'admin'
}
const AUTH = `Basic ${Buffer.from(`${ADMIN.apiKey}:${ADMIN.secretKey}`).toString('base64')}`

// Real Debian redis-server and redis-sentinel on loopback: 1 master, 2 replicas, 3 sentinels.
let group: SentinelGroup
const reports: FailoverReport[] = []

beforeAll(async () => {
  group = await startSentinelGroup({ replicas: 2, sentinels: 3, downAfterMs: 1500 })
}, 60_000)
afterAll(async () => {
  await group?.stop()
  for (const r of reports)
    console.info(
      `${r.label}: promotion ${r.promotionMs} ms, recovery ${r.recoveryMs} ms, api ${JSON.stringify(r.apiStatuses)}, twice ${r.stagesTwice}, violations ${r.violations}`
    )
})

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!

describe('what WAIT costs per host cycle (slot claim + release, the guarded writes on its critical path)', () => {
  it('measured on this group: with 0, 1 and 2 replicas to confirm', async () => {
    const client = group.connect()
    try {
      expect(await resolveMinReplicas(client, { mode: 'sentinel', sentinels: [], name: group.name }, 'auto')).toBe(1)
      const keys = createRedisKeys(uniquePrefix('ha-wait'))
      setReplicaAckPolicy(client, { minReplicas: 0, timeoutMs: 0 })
      const lease = await takeLease(client, keys, 'c1', 'bench')
      const samples: number[][] = [[], [], []]
      // Interleaved, so load from elsewhere on the machine falls on the three alike.
      for (let i = 0; i < 600; i++) {
        const replicas = i % 3
        setReplicaAckPolicy(
          client,
          replicas === 0 ? { minReplicas: 0, timeoutMs: 0 } : { minReplicas: replicas, timeoutMs: 1000 }
        )
        samples[replicas]!.push(await fencedHostCycle(client, keys, lease, 'r1', `h${i}`))
      }
      const [none, one, two] = samples.map(median) as [number, number, number]
      console.info(
        `WAIT per host cycle (200 cycles each, loopback): median ${none.toFixed(2)} ms with min-replicas 0, ` +
          `${one.toFixed(2)} ms with 1 (+${(one - none).toFixed(2)} ms), ${two.toFixed(2)} ms with 2 (+${(two - none).toFixed(2)} ms); ` +
          `p99 ${samples.map((x) => p99(x).toFixed(2)).join(' / ')} ms`
      )
      // Loopback replicas confirm within a round trip: a few ms at most, next to stages of seconds.
      expect(one - none).toBeLessThan(5)
      expect(two - none).toBeLessThan(5)
    } finally {
      client.disconnect()
    }
  })
})

describe('Sentinel: the master SIGKILLed during Maintenance, a replica promoted', () => {
  it('the run completes with the right result, no stage twice, the invariant holds, the API answers 503 then recovers', async () => {
    let oldPort = 0
    const report = await runFailoverScenario(
      'ha-sentinel',
      {
        env: group.env,
        async killMaster() {
          oldPort = await group.masterPort()
          return group.killMaster()
        },
        async waitForPromotion() {
          await group.waitForNewMaster(oldPort)
        }
      },
      PRODUCTION_TIMINGS
    )
    reports.push(report)
    expectFailoverHeld(report)
    if (report.api503Body)
      expect(report.api503Body).toMatchObject({ message: expect.stringMatching(/Redis is not reachable.*retry/) })
  }, 180_000)
})

describe('Sentinel: no master reachable at all (master and replicas down, nothing to promote)', () => {
  it('the API answers 503 with a clear message, never 500, creates nothing, and recovers when a master is back', async () => {
    const prefix = uniquePrefix('ha-nomaster')
    const config = loadConfig({ ...group.env, REDIS_URL: '', ROLLMAINT_KEY_PREFIX: prefix })
    const inventory = inventoryOf(
      { clusters: [{ id: 'c1', hosts: [{ id: 'h1', address: '10.0.0.1' }] }] },
      'ha-nomaster'
    )
    const fastify = Fastify({ ...serverOptions, loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger })
    await fastify.register(app, { config, inventory, apiKeys: createApiKeyStore([ADMIN]) })
    await fastify.ready()
    const list = () =>
      fastify.inject({ method: 'GET', url: '/api/v1/rolling-maintenance', headers: { authorization: AUTH } })
    const create = () =>
      fastify.inject({
        method: 'POST',
        url: '/api/v1/rolling-maintenance',
        headers: { authorization: AUTH },
        payload: { hostids: 'h1' }
      })
    try {
      expect((await list()).statusCode).toBe(200)
      const masterPort = await group.masterPort()
      for (const s of group.servers.filter((x) => x.alive)) await s.kill()

      const outage: Array<{ status: number; ms: number; body: { error?: string; message?: string } }> = []
      for (let i = 0; i < 4; i++) {
        for (const call of [list, create]) {
          const t0 = Date.now()
          const res = await call()
          outage.push({ status: res.statusCode, ms: Date.now() - t0, body: res.json() })
        }
      }
      for (const o of outage) {
        expect(o.status).toBe(503)
        expect(o.body.error).toBe('REDIS_UNAVAILABLE')
        expect(o.body.message).toMatch(
          /^Redis is not reachable: no master answers .* Nothing was changed; retry in a few seconds\.$/
        )
        expect(o.body.message).not.toMatch(/127\.0\.0\.1|\d{4,5}/)
      }
      const worstMs = Math.max(...outage.map((o) => o.ms))
      expect(worstMs).toBeLessThan(5000)

      const backAt = Date.now()
      await group.servers.find((s) => s.port === masterPort)!.restart({ asMaster: true })
      // Refused the same clear way (503) until it answers `ok`, within 30 s of the master's return.
      const answered = async (request: () => ReturnType<typeof list>, ok: number, what: string) => {
        for (;;) {
          const r = await request()
          if (r.statusCode === ok) return r
          expect(r.statusCode).toBe(503)
          if (Date.now() - backAt > 30_000) throw new Error(`the API did not ${what}`)
          await sleep(100)
        }
      }
      const res = await answered(list, 200, 'recover')
      const recoveredMs = Date.now() - backAt
      expect(res.json()).toEqual({ runs: [] })
      // The queue's own connection may reconnect a moment after the one that answered the list.
      await answered(create, 202, 'accept a run again')
      console.info(
        `no master: ${outage.length} requests answered 503 in at most ${worstMs} ms each; API back ${recoveredMs} ms after the master`
      )
    } finally {
      await fastify.close()
    }
  }, 60_000)
})
