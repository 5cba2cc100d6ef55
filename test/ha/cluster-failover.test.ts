import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  expectFailoverHeld,
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
    expectFailoverHeld(report)
  }, 180_000)
})
