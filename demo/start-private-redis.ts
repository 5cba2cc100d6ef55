import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 })
  r.on('error', () => undefined)
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

/** `REDIS_URL` when it answers; otherwise a private redis-server in a temp dir, stopped by `stop()`. */
export async function ensureRedis(envUrl: string | undefined): Promise<{ url: string; private: boolean; stop(): void }> {
  if (envUrl) {
    if (await answers(envUrl)) return { url: envUrl, private: false, stop() {} }
    throw new Error(`REDIS_URL=${envUrl} is set but Redis does not answer there`)
  }
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('the demo needs Redis: set REDIS_URL, or install redis-server (apt-get install -y redis-server)')
  }
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-demo-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  while (!(await answers(url))) {
    if (Date.now() > deadline) throw new Error('the private redis-server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    private: true,
    stop() {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
