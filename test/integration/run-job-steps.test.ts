import { Job, Queue, WaitingChildrenError } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOSTS_QUEUE, RUNS_QUEUE } from '../../shared/queue-names.js'
import { makeRunProcessor } from '../../workers/process-run-job.js'
import { makeRunFinalizer } from '../../workers/finalize-run.js'
import { clusterJobId, preflightJobId, type RunJobData } from '../../workers/job-data.js'
import { getClusterJobQueues } from '../../store/run/get-cluster-job-queues.js'
import type { WorkerContext } from '../../workers/worker-context.js'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'

// A run job whose lock was lost (its worker died or stalled) is taken up again at the step it had
// saved, while that step's children may still run. Found by the repeated runs of issue 15: a run
// ended with every host "not processed" after its clusters were planned before PreFlight was in.
let e2e: E2E
let hostsQueue: Queue
let runsQueue: Queue
beforeAll(async () => {
  e2e = await startE2E({
    label: 'runsteps',
    clusters: [
      { name: 's1', hosts: ['s1a', 's1b'] },
      { name: 's2', hosts: ['s2a'] }
    ]
  })
  hostsQueue = new Queue(HOSTS_QUEUE, { connection: e2e.redis, prefix: e2e.keys.bullPrefix })
  runsQueue = new Queue(RUNS_QUEUE, { connection: e2e.redis, prefix: e2e.keys.bullPrefix })
})
afterAll(async () => {
  await hostsQueue?.close()
  await runsQueue?.close()
  await e2e?.close()
})

describe('the run job taken up again at a saved step', () => {
  it('waits for the PreFlight jobs still running instead of planning clusters without them', async () => {
    setHooks(e2e.fleet, ['s1a', 's1b', 's2a'], { PreFlight: { sleepSec: 3 }, Maintenance: {} })
    const mark = e2e.fleet.readHostLog().length
    // Two clusters: one PreFlight job each, children of the run job (a run of one cluster has none).
    const run = await e2e.start({ clusterids: [clusterId('s1'), clusterId('s2')] })
    while (
      !e2e.fleet
        .readHostLog()
        .slice(mark)
        .some((e) => e.stage === 'PreFlight' && e.event === 'start')
    )
      await new Promise((r) => setTimeout(r, 20))
    // The real run job now waits for its PreFlight children, its step saved as 'clusters'.
    const real = (await Job.fromId<RunJobData>(runsQueue, run.id))!
    expect(real.data.step).toBe('clusters')
    // What a second worker sees when it takes that job up: the saved step, and children that a
    // move to waiting-children would find unfinished (answered from the real job's dependencies).
    const updates: RunJobData[] = []
    const retaken = {
      id: real.id,
      queueQualifiedName: real.queueQualifiedName,
      data: { ...real.data },
      updateData: async (d: RunJobData) => void updates.push(d),
      moveToWaitingChildren: async () => ((await real.getDependenciesCount()).unprocessed ?? 0) > 0
    } as unknown as Job<RunJobData>
    const ctx: WorkerContext = {
      config: e2e.config,
      inventory: e2e.inventory,
      redis: e2e.redis,
      keys: e2e.keys,
      executor: { open: () => Promise.reject(new Error('no host is opened while planning')) },
      logger: pino({ level: 'silent' }),
      workerId: 'test:0:retaken',
      hostsQueue,
      ownHostsQueue: 'rollmaint-hosts.w.retaken',
      addClusterJob: () => Promise.reject(new Error('no cluster job is added while children still run')),
      runsQueueQualifiedName: real.queueQualifiedName,
      readRunHeader: () => Promise.reject(new Error('no run header is read while planning')),
      draining: new AbortController().signal
    }
    const noPreflight = () => Promise.reject(new Error('no PreFlight runs while planning'))
    await expect(
      makeRunProcessor(ctx, noPreflight, makeRunFinalizer(ctx))(retaken, 'retaken-token')
    ).rejects.toBeInstanceOf(WaitingChildrenError)
    // It went back to waiting without moving the run on: no cluster plan, no step 'finalize'.
    expect(updates).toEqual([])
    const done = await e2e.waitForRun(run.id)
    expect(done.result!.rollingmaintenance.success).toBe(true)
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname).sort()).toEqual(['s1a', 's1b', 's2a'])
  })

  it('a run of one cluster runs its PreFlight in the run job: no PreFlight job, the cluster job routed to that worker', async () => {
    setHooks(e2e.fleet, ['s1a', 's1b'], { PreFlight: {}, Maintenance: {} })
    const run = await e2e.start({ clusterids: [clusterId('s1')] })
    const done = await e2e.waitForRun(run.id)
    expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['s1a', 's1b'])
    expect(await hostsQueue.getJob(preflightJobId(run.id, 0))).toBeUndefined()
    const runJob = (await Job.fromId<RunJobData>(runsQueue, run.id))!
    const queues = await getClusterJobQueues(e2e.redis, e2e.keys, run.id)
    const clusterQueue = new Queue(queues.get(0)!, { connection: e2e.redis, prefix: e2e.keys.bullPrefix })
    try {
      expect((await Job.fromId(clusterQueue, clusterJobId(run.id, 0)))?.processedBy).toBe(runJob.processedBy)
    } finally {
      await clusterQueue.close()
    }
  })
})
