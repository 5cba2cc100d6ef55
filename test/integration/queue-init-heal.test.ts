import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Queue } from 'bullmq'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../shared/free-port.js'
import { isRedisUnavailable } from '../../shared/is-redis-unavailable.js'
import { guardConnectionErrors, openQueue } from '../../shared/open-queue.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { redisAnswers } from '../../store/redis-answers.js'
import { productionRedisArgs } from '../support/redis-server.js'

// A redis-server of this test's own: it is stopped, killed and started again on the same port.
let child: ChildProcess | undefined
let dir: string | undefined
const clients: RedisClient[] = []
const queues: Queue[] = []

async function startRedis(port: number): Promise<void> {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'rollmaint-heal-'))
  child = spawn('redis-server', productionRedisArgs(port, dir), { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (const deadline = Date.now() + 10_000; !(await redisAnswers(url)); await sleep(50))
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`)
}

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close().catch(() => undefined)))
  for (const c of clients.splice(0)) c.disconnect()
  child?.kill('SIGKILL')
  child = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('a queue opened just as Redis goes away', () => {
  it('works again once Redis is back (BullMQ alone keeps failing every command of that queue)', async () => {
    const port = await freePort()
    await startRedis(port)
    // The API's kind of connection: a command fails after two reconnect attempts (a 503).
    const connection = createRedisConnection({ mode: 'single', url: `redis://127.0.0.1:${port}` }, 'api')
    clients.push(connection)
    await connection.ping()

    // Redis stops answering while the connection still looks ready: the queues' first INFO (their
    // initialisation) is written and never answered; then Redis dies, so it fails.
    child!.kill('SIGSTOP')
    const healed = openQueue('heal', { connection, prefix: 'heal-test' })
    const bare = guardConnectionErrors(new Queue('bare', { connection, prefix: 'heal-test' }))
    bare.on('error', () => undefined)
    queues.push(healed, bare)
    const bareInit = bare.waitUntilReady().then(
      () => undefined,
      (err: unknown) => err
    )
    await sleep(100)
    child!.kill('SIGKILL')
    const initErr = await bareInit
    expect(isRedisUnavailable(initErr)).toBe(true)
    // Meanwhile a command fails as Redis is down: the API answers 503 for it.
    const during = await healed.getJobCounts('wait').then(
      () => undefined,
      (err: unknown) => err
    )
    expect(isRedisUnavailable(during)).toBe(true)

    await startRedis(port)
    const deadline = Date.now() + 10_000
    for (;;) {
      const counts = await healed.getJobCounts('wait').catch(() => undefined)
      if (counts) {
        expect(counts).toEqual({ wait: 0 })
        break
      }
      if (Date.now() > deadline) throw new Error('the healed queue did not work again within 10 s')
      await sleep(100)
    }
    const job = await healed.add('j', { n: 1 })
    expect(job.id).toBeDefined()
    expect(await healed.getJobCounts('wait')).toEqual({ wait: 1 })
    // BullMQ alone: the connection is back (the healed queue just used it), this queue still fails.
    const still = await bare.getJobCounts('wait').then(
      () => undefined,
      (err: unknown) => err
    )
    expect(still).toBe(initErr)
  }, 30_000)
})
