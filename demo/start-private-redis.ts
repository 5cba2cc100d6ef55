import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../shared/free-port.js'
import { redisAnswers } from '../store/redis-answers.js'

/**
 * `REDIS_URL` when it answers; otherwise a private redis-server in a temp dir, stopped by `stop()`.
 * `ownProcessGroup`: keep it out of our process group, so a Ctrl-C does not stop it before the
 * caller has closed its workers; it is still stopped when this process exits.
 */
export async function ensureRedis(
  envUrl: string | undefined,
  opts: { ownProcessGroup?: boolean } = {}
): Promise<{ url: string; private: boolean; stop(): Promise<void> }> {
  if (envUrl) {
    if (await redisAnswers(envUrl)) return { url: envUrl, private: false, stop: async () => {} }
    throw new Error(`REDIS_URL=${envUrl} is set but Redis does not answer there`)
  }
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('the demo needs Redis: set REDIS_URL, or install redis-server (apt-get install -y redis-server)')
  }
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-demo-redis-'))
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction'
    ],
    {
      stdio: 'ignore',
      detached: opts.ownProcessGroup === true
    }
  )
  // Out of our group, nothing else would stop it if we exit without stop() (a second Ctrl-C, a crash).
  if (opts.ownProcessGroup) process.once('exit', () => child.kill('SIGTERM'))
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`))
  child.once('error', (err) => (exited = err.message))
  while (!(await redisAnswers(url))) {
    if (exited !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`the private redis-server on port ${port} did not start (${exited ?? 'no answer within 10 s'})`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    private: true,
    /**
     * Idempotent. The signal is sent synchronously (safe from an 'exit' handler); the promise settles
     * once redis-server has exited, so a caller that awaits it leaves no server answering behind.
     */
    stop() {
      const running = child.exitCode === null && child.signalCode === null
      const exited = running ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve()
      if (running) child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
      return exited
    }
  }
}
