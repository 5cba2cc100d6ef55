import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FAILOVER_HOSTS,
  PRODUCTION_TIMINGS,
  runFailoverScenario,
  type FailoverReport
} from '../support/failover-scenario.js'
import { startRedisCluster, type RedisClusterProcs } from '../support/redis-ha.js'

// A real Redis Cluster on loopback made with `redis-cli --cluster create`: 3 masters, 2 replicas each.
let cluster: RedisClusterProcs
const reports: FailoverReport[] = []

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 2, nodeTimeoutMs: 1500 })
}, 90_000)
afterAll(async () => {
  await cluster?.stop()
  for (const r of reports)
    console.info(
      `${r.label}: promotion ${r.promotionMs} ms, recovery ${r.recoveryMs} ms, api ${JSON.stringify(r.apiStatuses)}, twice ${r.stagesTwice}, violations ${r.violations}`
    )
})

describe("Redis Cluster: the master holding rollmaint's slot SIGKILLed during Maintenance, its replica promoted", () => {
  it('the run completes with the right result, no stage twice, the invariant holds, the API answers 503 then recovers', async () => {
    let oldPort = 0
    const report = await runFailoverScenario(
      'ha-cluster',
      {
        env: cluster.env,
        async killMaster(tag) {
          const { port, at } = await cluster.killMasterOf(tag)
          oldPort = port
          return at
        },
        async waitForPromotion(tag) {
          await cluster.waitForNewMasterOf(tag, oldPort)
        }
      },
      PRODUCTION_TIMINGS
    )
    reports.push(report)
    expect(report.success).toBe(true)
    expect(report.hostsUpdated).toEqual([...FAILOVER_HOSTS].sort())
    expect(report.stagesTwice).toBe(0)
    expect(report.violations).toBe(0)
    expect(report.leftInMaintenance).toBe(0)
    expect(report.workersAlive).toBe(2)
    expect(report.minReplicas).toEqual([1, 1])
    // Never a 500 through the failover (a 503 while no master served the slot); the last answer is a 200.
    expect(
      Object.keys(report.apiStatuses)
        .map(Number)
        .filter((s) => s !== 200 && s !== 503),
      report.apiErrors.join('\n')
    ).toEqual([])
    if (report.api503Body) expect(report.api503Body).toMatchObject({ error: 'REDIS_UNAVAILABLE' })
    expect(report.lastApiStatus).toBe(200)
    expect(report.recoveryMs).toBeLessThan(30_000)
  }, 180_000)
})
