import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../../shared/free-port.js'
import { createRedisConnection } from '../../store/connection.js'
import { redisAnswers } from '../../store/redis-answers.js'

export interface OwnRedis {
  url: string
  /** Graceful restart: SHUTDOWN (AOF flushed), then the same data dir again. */
  restart(downMs?: number): Promise<void>
  stop(): Promise<void>
}

/** redis-server arguments as production should run it: AOF fsynced every second, no RDB, noeviction. */
export function productionRedisArgs(port: number, dir: string): string[] {
  const where = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir]
  return [
    ...where,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction'
  ]
}

/** A redis-server of the test's own, configured as production should be: AOF everysec, noeviction. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-own-redis-'))
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', productionRedisArgs(port, dir), { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    for (;;) {
      if (await redisAnswers(url)) return
      if (Date.now() > deadline) throw new Error(`own redis-server on ${port} did not start`)
      await new Promise((res) => setTimeout(res, 50))
    }
  }
  const shutdown = async (): Promise<void> => {
    const c = child
    if (!c || c.exitCode !== null) return
    const exited = new Promise((r) => c.once('exit', r))
    const r = createRedisConnection({ mode: 'single', url }, 'tool', undefined, {
      retryStrategy: () => null,
      maxRetriesPerRequest: 0
    })
    r.on('error', () => undefined)
    await r.call('SHUTDOWN').catch(() => undefined)
    r.disconnect()
    await exited
  }
  await start()
  return {
    url,
    async restart(downMs = 1000) {
      await shutdown()
      await new Promise((r) => setTimeout(r, downMs))
      await start()
    },
    async stop() {
      await shutdown()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
