import { spawn } from 'node:child_process'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { clusterId, hostId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { listenE2EApi } from '../support/e2e-api.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ADMIN: ApiUser = {
  name: 'cli-ops',
  apiKey: 'clictl-admin-0123456789',
  secretKey: 'clictl-admin-secret-0123456789',
  role: 'admin'
}
const HOSTS = ['c1a', 'c1b', 'c1c']

let e2e: E2E
let fastify: FastifyInstance
let url: string
beforeAll(async () => {
  e2e = await startE2E({ label: 'clictl', clusters: [{ name: 'c1', hosts: HOSTS }] })
  ;({ fastify, url } = await listenE2EApi(e2e, [ADMIN]))
})
afterAll(async () => {
  await fastify?.close()
  await e2e?.close()
})

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/rollmaint.js'), '--url', url, ...args], {
      env: { ...process.env, ROLLMAINT_API_KEY: ADMIN.apiKey, ROLLMAINT_SECRET_KEY: ADMIN.secretKey },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('CLI: start --dry-run, --canary, --max-failures, --soak; pause, resume, retry', () => {
  it('--dry-run prints the plan and starts nothing', async () => {
    const before = await e2e.redis.zcard(e2e.keys.runIndex())
    const r = await cli([
      'start',
      '--clusterids',
      clusterId('c1'),
      '--dry-run',
      '--max-failures',
      '1',
      '--window-start',
      '00:00',
      '--window-end',
      '23:59',
      '--window-tz',
      'UTC'
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /^dry run: 3 of 3 hosts would be maintained, 0 skipped \(forced false, maxFailures 1, canary none, soak 0 s/
    )
    expect(r.stdout).toMatch(/^1\. cluster c1$/m)
    expect(r.stdout).toMatch(/^ {3}maintain c1a: host checks passed/m)
    expect(r.stdout).toMatch(/a real start would be accepted\n$/)
    expect(await e2e.redis.zcard(e2e.keys.runIndex())).toBe(before)
    const bad = await cli(['start', '--clusterids', clusterId('c1'), '--dry-run', '--canary', '4'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/canary is 4 but the run has only 3 hosts/)
  })

  it(
    'start --canary 1 --soak 1: the run pauses after the first host; resume; then retry of the failed host',
    { timeout: 180_000 },
    async () => {
      setHooks(e2e.fleet, ['c1a', 'c1b'], { Maintenance: {} })
      setHooks(e2e.fleet, ['c1c'], { Maintenance: { exitCode: 1 } })
      const started = await cli([
        'start',
        '--clusterids',
        clusterId('c1'),
        '--canary',
        '1',
        '--soak',
        '1',
        '--max-failures',
        '1'
      ])
      expect(started.code, started.stderr).toBe(0)
      const { id } = JSON.parse(started.stdout) as { id: string }
      const deadline = Date.now() + 20_000
      while ((await e2e.runService.getRun(id))?.status !== 'paused') {
        if (Date.now() > deadline) throw new Error('the canary did not pause the run')
        await sleep(50)
      }
      // An operator pause on top is harmless; resume continues.
      const paused = await cli(['pause', id])
      expect(paused.code, paused.stderr).toBe(0)
      expect(paused.stdout).toBe(`run ${id} paused; hosts in their cycle finish it\n`)
      const resumed = await cli(['resume', id])
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(resumed.stdout).toBe(`run ${id} running\n`)
      const again = await cli(['resume', id])
      expect(again.code).toBe(2)
      expect(again.stderr, again.stderr).toMatch(/409: run .* is (running|succeeded), not paused|already ended/)
      const done = await e2e.waitForRun(id)
      expect(done.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['c1a', 'c1b'])
      expect(done.result!.rollingmaintenance.hostsskipped.map((h) => h.hostname)).toEqual(['c1c'])
      expect(done.audit.map((a) => [a.action, a.by ?? a.reason])).toEqual([
        ['started', 'cli-ops'],
        ['paused', 'canary'],
        ['resumed', 'cli-ops']
      ])

      setHooks(e2e.fleet, ['c1c'], { Maintenance: {} })
      const retried = await cli(['retry', id])
      expect(retried.code, retried.stderr).toBe(0)
      const out = JSON.parse(retried.stdout) as { id: string; retryOf: string; hosts: number }
      expect(out).toMatchObject({ retryOf: id, hosts: 1 })
      const second = await e2e.waitForRun(out.id)
      expect(second.request.hostids).toEqual([hostId('c1c')])
      expect(second.result!.rollingmaintenance.hostsupdated.map((h) => h.hostname)).toEqual(['c1c'])
      expect((await e2e.runService.getRun(id))!.audit.at(-1)).toMatchObject({
        action: 'retried',
        by: 'cli-ops',
        runId: out.id
      })
    }
  )
})
