import type { FastifyInstance } from 'fastify'
import type { RedisClient } from '../../store/connection.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { loadConfig } from '../../shared/config.js'
import { createRedisKeys } from '../../store/keys.js'
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../support/redis.js'
import { inventoryOf } from '../support/inventory-of.js'
import { loggedApi } from '../support/logged-api.js'

const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'admin-key-0123456789',
  secretKey: 'admin-secret-0123456789-abcdef',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'viewer',
  apiKey: 'reader-key-0123456789',
  secretKey: 'reader-secret-0123456789-abcdef',
  role: 'readonly'
}
const basic = (u: ApiUser) => `Basic ${Buffer.from(`${u.apiKey}:${u.secretKey}`).toString('base64')}`

const host = (id: string) => ({ id, name: `kvm-${id}`, address: '10.0.0.1' })
const inventory = inventoryOf(
  {
    clusters: [
      { id: 'c1', name: 'cluster1', hosts: [host('h1'), host('h2')] },
      { id: 'c2', name: 'cluster2', hosts: [host('h3')] },
      { id: 'c3', name: 'cluster3', hosts: [host('h4')] }
    ]
  },
  'cancel-maintenance-test'
)

const prefix = uniquePrefix('cancel-mnt')
const keys = createRedisKeys(prefix)
let logLines: string[] = []
let fastify: FastifyInstance
let redis: RedisClient

beforeAll(async () => {
  redis = testRedis()
  const config = loadConfig({ REDIS_URL: testRedisUrl(), ROLLMAINT_KEY_PREFIX: prefix })
  ;({ fastify, logLines } = await loggedApi(config, inventory, [ADMIN, READER]))
})
afterAll(async () => {
  await fastify?.close()
  redis?.disconnect()
  await deletePrefix(prefix)
})

/** What a run leaves behind when it cannot take a host out of maintenance (docs/user-guide.md#exiting-maintenance-mode). */
async function leaveStuck(hostId: string, clusterId: string): Promise<void> {
  await redis.hset(
    keys.host(hostId),
    'state',
    'ErrorInMaintenance',
    'runId',
    'run-that-failed',
    'since',
    new Date().toISOString()
  )
  await redis.set(keys.clusterInMaintenance(clusterId), hostId)
}

const cancel = (id: string, user: ApiUser = ADMIN) =>
  fastify.inject({
    method: 'POST',
    url: `/api/v1/hosts/${id}/cancel-maintenance`,
    headers: { authorization: basic(user) }
  })
const stateOf = async (id: string) =>
  (
    await fastify.inject({ method: 'GET', url: `/api/v1/hosts/${id}`, headers: { authorization: basic(READER) } })
  ).json() as { resourceState: string; since?: string }

describe('cancel a host left in maintenance (CloudStack cancelHostMaintenance)', () => {
  it('unknown host: 404; a host not in maintenance: 409 saying so', async () => {
    const unknown = await cancel('nope')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ error: 'HOST_NOT_FOUND', message: 'no host with id nope in the inventory' })
    const enabled = await cancel('h2')
    expect(enabled.statusCode).toBe(409)
    expect(enabled.json()).toMatchObject({
      error: 'HOST_NOT_IN_MAINTENANCE',
      message: 'host h2 is Enabled, not in maintenance; there is nothing to cancel'
    })
  })

  it('a readonly key is refused (403) and nothing changes', async () => {
    await leaveStuck('h1', 'c1')
    const res = await cancel('h1', READER)
    expect(res.statusCode).toBe(403)
    expect((await stateOf('h1')).resourceState).toBe('ErrorInMaintenance')
    expect(await redis.get(keys.clusterInMaintenance('c1'))).toBe('h1')
  })

  it('refused (409) while a worker still holds the cluster lease; then Enabled, slot freed, logged with the operator', async () => {
    await leaveStuck('h1', 'c1')
    await redis.set(keys.clusterLease('c1'), '7|worker-a', 'PX', 60_000)
    const busy = await cancel('h1')
    expect(busy.statusCode).toBe(409)
    expect(busy.json()).toMatchObject({ error: 'CLUSTER_BUSY' })
    expect((busy.json() as { message: string }).message).toMatch(
      /a worker still holds the cluster c1 of host h1 .*retry in a few seconds/
    )
    expect(await redis.get(keys.clusterInMaintenance('c1'))).toBe('h1')

    await redis.del(keys.clusterLease('c1'))
    const ok = await cancel('h1')
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ id: 'h1', resourceState: 'Enabled', clusterId: 'c1' })
    expect(await redis.get(keys.clusterInMaintenance('c1'))).toBeNull()
    expect(await redis.hget(keys.host('h1'), 'clearedBy')).toBe('ops')
    expect(await redis.hget(keys.host('h1'), 'clearedFrom')).toBe('ErrorInMaintenance')
    expect(
      logLines.some((l) => l.includes('host maintenance cancelled by an operator') && l.includes('"user":"ops"'))
    ).toBe(true)
    // and again: nothing left to cancel
    expect((await cancel('h1')).statusCode).toBe(409)
  })

  it('refused (409) while an active run reserves the cluster, naming the run', async () => {
    await leaveStuck('h3', 'c2')
    const run = await fastify.inject({
      method: 'POST',
      url: '/api/v1/rolling-maintenance',
      headers: { authorization: basic(ADMIN), 'content-type': 'application/json' },
      payload: JSON.stringify({ clusterids: ['c2'] })
    })
    expect(run.statusCode).toBe(202)
    const runId = (run.json() as { id: string }).id
    const res = await cancel('h3')
    expect(res.statusCode).toBe(409)
    expect((res.json() as { message: string }).message).toContain(`belongs to active run ${runId}`)
    expect((await stateOf('h3')).resourceState).toBe('ErrorInMaintenance')
  })

  it('a reservation left by a run that no longer exists does not block it', async () => {
    await leaveStuck('h4', 'c3')
    await redis.set(keys.clusterRun('c3'), 'run-gone-long-ago')
    const res = await cancel('h4')
    expect(res.statusCode).toBe(200)
    expect(await redis.get(keys.clusterRun('c3'))).toBeNull()
    expect(await redis.get(keys.clusterInMaintenance('c3'))).toBeNull()
  })
})
