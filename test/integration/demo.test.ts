import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { testRedisUrl } from '../support/redis.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

function runDemo(env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'demo/run-demo.ts')], { cwd: ROOT, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('npm run demo', () => {
  it("runs the seed's two zones on simulated SSH hosts, shows progress and prints a successful result with 9 hosts", async () => {
    const { code, stdout, stderr } = await runDemo({ REDIS_URL: testRedisUrl() })
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/cluster1 \d\/3 .*\| cluster2 \d\/3 .*\| cluster3 \d\/3/)
    const json = JSON.parse(stdout.slice(stdout.indexOf('{\n'))) as { rollingmaintenance: { success: boolean; hostsupdated: Array<{ hostname: string; output: string }> } }
    expect(json.rollingmaintenance.success).toBe(true)
    expect(json.rollingmaintenance.hostsupdated).toHaveLength(9)
    expect(json.rollingmaintenance.hostsupdated[0]!.output).toMatch(/patched kernel/)
  }, 90_000)

  it('starts a private redis-server when REDIS_URL is not set', async () => {
    const { code, stdout } = await runDemo({ REDIS_URL: undefined })
    expect(code).toBe(0)
    expect(stdout).toContain('"success": true')
  }, 90_000)
})
