import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { runGateCommand } from '../../workers/controls/run-gate-command.js'

describe('runGateCommand (a real process on the worker)', () => {
  it('exit 0 is go; the ROLLMAINT_* environment is passed', async () => {
    const r = await runGateCommand(
      ['sh', '-c', 'echo "gate for $ROLLMAINT_HOST_NAME"'],
      { ROLLMAINT_HOST_NAME: 'kvm1' },
      5000
    )
    expect(r).toEqual({ exitCode: 0, output: 'gate for kvm1\n', timedOut: false })
  })

  it("the worker's own settings (REDIS_*, ROLLMAINT_*) do not reach the command", async () => {
    process.env.REDIS_PASSWORD = 'not-for-gates'
    process.env.ROLLMAINT_API_KEYS = '/etc/rollmaint/api-keys.yaml'
    try {
      const r = await runGateCommand(
        ['sh', '-c', 'echo "${REDIS_PASSWORD:-unset} ${ROLLMAINT_API_KEYS:-unset} $ROLLMAINT_HOST_NAME ${HOME:+home}"'],
        { ROLLMAINT_HOST_NAME: 'kvm1' },
        5000
      )
      expect(r.output).toBe('unset unset kvm1 home\n')
    } finally {
      delete process.env.REDIS_PASSWORD
      delete process.env.ROLLMAINT_API_KEYS
    }
  })

  it('a non-zero exit keeps the output tail (stdout and stderr)', async () => {
    const r = await runGateCommand(['sh', '-c', 'echo HEALTH_WARN; echo 1 pg degraded >&2; exit 3'], {}, 5000)
    expect(r.exitCode).toBe(3)
    expect(r.output).toContain('HEALTH_WARN')
    expect(r.output).toContain('1 pg degraded')
  })

  it('arguments are never interpreted by a shell', async () => {
    const r = await runGateCommand(['printf', '%s', '$(id) `id`; echo x'], {}, 5000)
    expect(r.output).toBe('$(id) `id`; echo x')
  })

  it('a hung attempt is killed with its whole process group at the timeout', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rm-gate-'))
    const pidFile = path.join(dir, 'child.pid')
    const started = Date.now()
    const r = await runGateCommand(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], {}, 300)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(r).toMatchObject({ exitCode: null, timedOut: true })
    expect(r.output).toMatch(/timed out after 300 ms/)
    await sleep(100)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false)
  })

  it('a command that does not exist is a failed attempt naming it, not an exception', async () => {
    const r = await runGateCommand(['/nonexistent/check-ceph'], {}, 5000)
    expect(r.exitCode).toBeNull()
    expect(r.output).toMatch(/cannot run gate "\/nonexistent\/check-ceph": .*ENOENT/)
  })
})
