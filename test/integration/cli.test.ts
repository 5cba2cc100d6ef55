import { spawn, spawnSync } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { listenE2EApi } from '../support/e2e-api.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ADMIN: ApiUser = {
  name: 'cli',
  apiKey: 'cli-admin-key-0123456789',
  secretKey: 'cli-admin-secret-0123456789',
  role: 'admin'
}

let e2e: E2E
let fastify: FastifyInstance
let url: string
beforeAll(async () => {
  e2e = await startE2E({
    label: 'cli',
    clusters: [
      { name: 'k1', hosts: ['k1a', 'k1b'] },
      { name: 'k2', hosts: ['k2a'] }
    ]
  })
  ;({ fastify, url } = await listenE2EApi(e2e, [ADMIN]))
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

function cli(
  args: string[],
  env: Record<string, string> = {},
  viaPty = false
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, path.join(ROOT, 'bin/rollmaint.js'), '--url', url, ...args]
  // util-linux `script` gives the command a pseudo-terminal: the CLI then takes its TTY path.
  const [cmd, ...rest] = viaPty ? ['script', '-qec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'] : argv
  return new Promise((resolve) => {
    const child = spawn(cmd!, rest, {
      env: { ...process.env, ROLLMAINT_API_KEY: ADMIN.apiKey, ROLLMAINT_SECRET_KEY: ADMIN.secretKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

// util-linux is part of every Debian system; missing it is an error to report, not a reason to skip.
const hasScript = spawnSync('script', ['--version']).status === 0

describe('rollmaint CLI', () => {
  it('start --watch (not a TTY): progress lines, then the result in the seed shape, exit 0', async () => {
    setHooks(e2e.fleet, ['k1a', 'k1b', 'k2a'], { PreFlight: {}, Maintenance: { stdout: 'patched' } })
    const r = await cli(['start', '--clusterids', `${clusterId('k1')},${clusterId('k2')}`, '--watch'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/k1a Maintenance finished: exited 0 in \d+ ms/)
    expect(r.stdout).toMatch(/run succeeded/)
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))) as {
      rollingmaintenance: { success: boolean; hostsupdated: unknown[] }
    }
    expect(json.rollingmaintenance.success).toBe(true)
    expect(json.rollingmaintenance.hostsupdated).toHaveLength(3)
  })

  it('a failing run exits 1', async () => {
    setHooks(e2e.fleet, ['k2a'], { Maintenance: { exitCode: 9 } })
    const r = await cli(['start', '--hostids', 'host-k2a', '--watch'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('"success": false')
  })

  it('wrong secret and bad usage exit 2 with a message, and never print the secret', async () => {
    const wrong = await cli(['list'], { ROLLMAINT_SECRET_KEY: 'definitely-wrong-secret' })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/wrong API key or secret/)
    expect(wrong.stderr + wrong.stdout).not.toContain('definitely-wrong-secret')
    expect((await cli(['start', '--timeout', '-4'])).code).toBe(2)
    const help = await cli(['--help'])
    expect(help.stdout).not.toContain(ADMIN.secretKey)
  })

  it('status, list and cancel', { timeout: 60_000 }, async () => {
    // The soak after the first host holds the run until it is cancelled, however slowly the CLI's
    // processes start under load (a run that ended first made cancel exit 2).
    setHooks(e2e.fleet, ['k1a', 'k1b'], { Maintenance: {} })
    const started = await cli(['start', '--clusterids', clusterId('k1'), '--soak', '600'])
    const { id } = JSON.parse(started.stdout) as { id: string }
    const list = await cli(['list'])
    expect(list.stdout).toMatch(new RegExp(`^ID\\s+STATUS\\s+CREATED\\s+HOSTS\\n${id}`))
    const cancel = await cli(['cancel', id])
    expect(cancel.code, cancel.stderr).toBe(0)
    expect(cancel.stdout).toContain(`cancel requested for run ${id}`)
    await e2e.waitForRun(id)
    const status = await cli(['status', id])
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: 'cancelled' })
  })

  it('watch ID replays a finished run and exits by its outcome', async () => {
    setHooks(e2e.fleet, ['k2a'], { Maintenance: { exitCode: 3 } })
    const run = await e2e.start({ hostids: ['host-k2a'] })
    await e2e.waitForRun(run.id)
    const r = await cli(['watch', run.id])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/k2a Maintenance finished: exited 3/)
    expect(r.stdout).toMatch(/run failed/)
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n')))).toMatchObject({
      rollingmaintenance: { success: false }
    })
  })

  it('on a terminal: the per-cluster view is redrawn in place, then the result', async () => {
    if (!hasScript)
      throw new Error("this test needs util-linux's script(1) for a pseudo-terminal: apt-get install -y bsdutils")
    setHooks(e2e.fleet, ['k1a', 'k1b', 'k2a'], { Maintenance: { sleepSec: 1.2, stdout: 'patched' } })
    const r = await cli(['start', '--clusterids', `${clusterId('k1')},${clusterId('k2')}`, '--watch'], {}, true)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // log-update erases the previous frame (ESC [2K ... ESC [1A) before drawing the next one
    expect(r.stdout).toContain('\u001b[2K')
    expect(r.stdout).toMatch(/k1\s+\[[#.]{2}\] \d\/2 {2}k1[ab]: Maintenance/)
    expect(r.stdout).toMatch(/k1\s+\[##\] 2\/2 {2}done/)
    expect(r.stdout).toContain('"success": true')
    expect(r.stdout).not.toMatch(/Maintenance finished: exited/) // no plain event lines on a terminal
  })

  it('an unreachable API and an unknown run exit 2 with a message', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo
        srv.close(() => resolve(port))
      })
    })
    const down = await cli(['--url', `http://127.0.0.1:${closedPort}`, 'list'])
    expect(down.code).toBe(2)
    expect(down.stderr).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`))
    const unknown = await cli(['status', 'no-such-run'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/404: .*no-such-run/)
    const watchUnknown = await cli(['watch', 'no-such-run'])
    expect(watchUnknown.code).toBe(2)
    expect(watchUnknown.stderr).toMatch(/404/)
  })

  it('hosts lists resource states; cancel-maintenance brings a host left in maintenance back', async () => {
    // what a run leaves when it cannot take a host out of maintenance (docs/user-guide.md#exiting-maintenance-mode)
    await e2e.redis.hset(
      e2e.keys.host(hostId('k2a')),
      'state',
      'ErrorInMaintenance',
      'runId',
      'run-x',
      'since',
      '2026-01-01T00:00:00.000Z'
    )
    await e2e.redis.set(e2e.keys.clusterInMaintenance(clusterId('k2')), hostId('k2a'))
    const stuck = await cli(['hosts', '--state', 'ErrorInMaintenance'])
    expect(stuck.code, stuck.stderr).toBe(0)
    expect(stuck.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^ID +NAME +CLUSTER +STATE +SINCE +RUN$/),
      expect.stringMatching(
        new RegExp(`^${hostId('k2a')} +k2a +${clusterId('k2')} +ErrorInMaintenance +2026-01-01T00:00:00.000Z +run-x$`)
      )
    ])
    const cleared = await cli(['cancel-maintenance', hostId('k2a')])
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stdout).toContain(`host k2a (${hostId('k2a')}) is Enabled`)
    const again = await cli(['cancel-maintenance', hostId('k2a')])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/409: .*not in maintenance/)
    expect((await cli(['hosts', '--state', 'ErrorInMaintenance'])).stdout.trim().split('\n')).toHaveLength(1)
  })
})
