import { readFileSync } from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostSession } from '../../workers/host-executor.js'
import { createSshExecutor } from '../../workers/ssh/create-ssh-executor.js'
import { startSshdFleet, type SshdFleet } from '../support/sshd-fleet.js'

let fleet: SshdFleet
let session: HostSession
const executor = createSshExecutor({ logger: pino({ level: 'silent' }) })

beforeAll(async () => {
  fleet = await startSshdFleet({ hosts: [{ name: 'e1' }] })
  session = await executor.open(fleet.hostConfig('e1'))
})
afterAll(async () => {
  session?.close()
  await fleet?.stop()
})

/** Running (a zombie left for this sandbox's slow init to reap is dead). */
const alive = (pid: number): boolean => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
  } catch {
    return false
  }
}

describe('HostSession.exec on real sshd', () => {
  it('passes every argument byte for byte, never through a shell', async () => {
    const marker = path.join(fleet.host('e1').dir, 'pwned')
    const args = ['a b', "it's", '$(touch ' + marker + ')', '`id`', ';', '*', 'ü\nnewline', '']
    const r = await session.exec(['printf', '%s|', ...args])
    expect(r).toEqual({ exitCode: 0, signal: undefined, stdout: args.map((a) => `${a}|`).join(''), stderr: '' })
    expect(() => readFileSync(marker)).toThrow()
  })

  it('reports exit code and stderr; stdin is delivered then closed', async () => {
    const r = await session.exec(['sh', '-c', 'cat; echo oops >&2; exit 3'], { stdin: '<domain>x</domain>\n' })
    expect(r).toMatchObject({ exitCode: 3, stdout: '<domain>x</domain>\n', stderr: 'oops\n' })
    // no stdin given: the command sees EOF instead of hanging
    expect(await session.exec(['cat'], { timeoutMs: 5000 })).toMatchObject({ exitCode: 0, stdout: '' })
  })

  it('keeps large outputs whole (drivers parse them)', async () => {
    const r = await session.exec(['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" y'])
    expect(r.stdout.length).toBe(300000)
  })

  it('a timeout rejects with EXEC_TIMEOUT and kills the command and its children on the host', async () => {
    const pids = path.join(fleet.host('e1').dir, 'exec-pids')
    const started = Date.now()
    const err = await session
      .exec(['sh', '-c', `sleep 60 & echo $! > ${pids}; echo $$ >> ${pids}; wait`], { timeoutMs: 700 })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'EXEC_TIMEOUT', name: 'ExecTimeoutError' })
    expect(Date.now() - started).toBeLessThan(3000)
    const recorded = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
    expect(recorded).toHaveLength(2)
    const deadline = Date.now() + 3000
    while (recorded.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(recorded.filter(alive)).toEqual([])
    // the session stays usable
    expect(await session.exec(['echo', 'ok'])).toMatchObject({ exitCode: 0, stdout: 'ok\n' })
  })

  it("a command's own exit 124 (timeout's status) before the time is up is an ordinary exit", async () => {
    // Only a 124 seen once the time is up is the host's timer (which may report before the worker's).
    expect(await session.exec(['sh', '-c', 'exit 124'], { timeoutMs: 30_000 })).toMatchObject({ exitCode: 124 })
  })

  it('a lost connection rejects with SshConnectionLostError', async () => {
    const s = await executor.open(fleet.hostConfig('e1'))
    const pending = s.exec(['sleep', '30']).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 300))
    await fleet.host('e1').disconnect()
    try {
      expect(await pending).toMatchObject({ code: 'SSH_CONNECTION_LOST', name: 'SshConnectionLostError' })
    } finally {
      s.close()
      await fleet.host('e1').start()
    }
  })
})
