import { afterAll, describe, expect, it } from 'vitest'
import { startRedisCluster, startSentinelGroup, type RedisClusterProcs, type SentinelGroup } from '../support/redis-ha.js'

let group: SentinelGroup | undefined
let cluster: RedisClusterProcs | undefined
afterAll(async () => {
  await group?.stop()
  await cluster?.stop()
})

describe('smoke', () => {
  it('sentinel failover', async () => {
    group = await startSentinelGroup()
    const r = group.connect()
    await r.set('k', 'v')
    const t0 = Date.now()
    const old = await group.masterPort()
    await group.killMaster()
    const np = await group.waitForNewMaster(old)
    console.log('failover ms', Date.now() - t0, old, np)
    expect(await r.get('k')).toBe('v')
    r.disconnect()
  }, 60_000)
  it('cluster failover', async () => {
    cluster = await startRedisCluster()
    const r = cluster.connect()
    await r.set('{p}:k', 'v')
    const { port, at } = await cluster.killMasterOf('{p}')
    const np = await cluster.waitForNewMasterOf('{p}', port)
    console.log('cluster failover ms', Date.now() - at, port, np)
    expect(await r.get('{p}:k')).toBe('v')
    r.disconnect()
  }, 60_000)
})
