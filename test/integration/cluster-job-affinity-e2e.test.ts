import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOSTS_QUEUE } from '../../shared/queue-names.js'
import { getClusterJobQueues } from '../../store/run/get-cluster-job-queues.js'
import { clusterJobId, preflightJobId } from '../../workers/job-data.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'

// docs/operations.md#cluster-job-affinity, through the real API, two workers and real sshd hosts:
// each cluster's hosts are cycled by the worker that ran their PreFlight (it keeps their sessions).
const CLUSTERS = ['a1', 'a2', 'a3', 'a4'].map((c) => ({ name: c, hosts: [`${c}x`, `${c}y`] }))

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ label: 'affinity', clusters: CLUSTERS, workers: 2 })
})
afterAll(async () => {
  await e2e?.close()
})

describe('cluster job affinity', () => {
  it('every cluster job runs on the worker that ran its cluster PreFlight job', async () => {
    setHooks(
      e2e.fleet,
      CLUSTERS.flatMap((c) => c.hosts),
      { PreFlight: {}, PreMaintenance: {}, Maintenance: {}, PostMaintenance: {} }
    )
    const run = await e2e.start({ clusterids: CLUSTERS.map((c) => clusterId(c.name)) })
    const done = await e2e.waitForRun(run.id)
    expect(done.status).toBe('succeeded')
    const clusterIds = JSON.parse((await e2e.redis.hget(e2e.keys.run(run.id), 'clusterIds'))!) as string[]
    const plan = JSON.parse((await e2e.redis.hget(e2e.keys.run(run.id), 'clusterPlan'))!) as string[]
    const queues = await getClusterJobQueues(e2e.redis, e2e.keys, run.id)
    const ranBy = (queue: string, jobId: string) => e2e.redis.hget(`${e2e.keys.bullPrefix}:${queue}:${jobId}`, 'pb')
    const workerIds = new Set(e2e.workers.map((w) => w.workerId))
    for (const [index, cluster] of plan.entries()) {
      const queue = queues.get(index)!
      // Routed to a worker's own queue, not the shared one: both workers were alive throughout.
      expect(queue).not.toBe(HOSTS_QUEUE)
      const preflightBy = await ranBy(HOSTS_QUEUE, preflightJobId(run.id, clusterIds.indexOf(cluster)))
      expect(workerIds.has(preflightBy!)).toBe(true)
      expect(await ranBy(queue, clusterJobId(run.id, index))).toBe(preflightBy)
    }
  })
})
