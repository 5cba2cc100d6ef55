import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { freePort } from '../../shared/free-port.js'
import { redisAnswers } from '../../store/redis-answers.js'
import { productionRedisArgs } from './redis-server.js'
import { sweepOrphanLabs } from './kvm-lab.js'

let server: ChildProcess | undefined
let dir: string | undefined

/**
 * Tests use REDIS_URL when set; otherwise they start a private redis-server (AOF on, noeviction, as
 * in production). Neither possible: the whole suite fails with the reason, nothing is skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // KVM labs left by a test process that was killed (their owner pid is gone): libvirtd, sshd, QEMU.
  sweepOrphanLabs()
  let url = process.env.REDIS_URL
  if (url) {
    if (!(await redisAnswers(url))) throw new Error(`REDIS_URL=${url} is set but Redis does not answer PING there`)
  } else {
    const found = spawnSync('redis-server', ['--version'])
    if (found.error) {
      throw new Error(
        'Tests need Redis: set REDIS_URL to a running Redis, or install redis-server (apt-get install -y redis-server) so the tests can start their own.'
      )
    }
    const port = await freePort()
    dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-redis-'))
    server = spawn('redis-server', productionRedisArgs(port, dir), { stdio: 'ignore' })
    url = `redis://127.0.0.1:${port}`
    const deadline = Date.now() + 10_000
    while (!(await redisAnswers(url))) {
      if (Date.now() > deadline)
        throw new Error(`started redis-server on port ${port} but it did not answer within 10 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  process.env.REDIS_URL = url
  project.provide('redisUrl', url)
  return async () => {
    server?.kill('SIGTERM')
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}
