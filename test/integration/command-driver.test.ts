import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import type { HostConfig } from '../../shared/types.js'
import { createCommandDriver } from '../../workers/maintenance/command-driver.js'
import type { DriverContext } from '../../workers/maintenance/maintenance-driver.js'

type CommandConfig = Extract<MaintenanceConfig, { driver: 'command' }>

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-command-driver-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function script(name: string, body: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`)
  chmodSync(file, 0o755)
  return file
}

const HOST: HostConfig = {
  id: 'host-1',
  name: `kvm 1 "$(touch /tmp/pwned)" ;`,
  address: '10.0.0.11',
  port: 22,
  user: 'root',
  hostKey: 'ssh-ed25519 AAAA',
  hooksDir: '/etc/rollmaint/hooks',
  stateDir: '/var/lib/rollmaint',
  bootIdPath: '/proc/sys/kernel/random/boot_id',
  hypervisor: 'KVM',
  executor: 'detached',
  enabled: true,
  maintenance: { driver: 'none' },
  zoneId: 'z1',
  podId: 'p1',
  clusterId: 'cluster-a'
}

function context(over: Partial<DriverContext> = {}): DriverContext {
  return {
    runId: 'run-42',
    payload: 'line1\nit\'s "quoted" $(date)',
    host: HOST,
    clusterHosts: [HOST],
    unavailableHostIds: new Set(),
    // the command driver runs on the worker and never touches the host's session
    session: new Proxy({} as DriverContext['session'], {
      get() {
        throw new Error('the command driver must not use the host session')
      }
    }),
    openSession: () => Promise.reject(new Error('the command driver must not open sessions')),
    emit: () => Promise.resolve(),
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    ...over
  }
}

function config(enter: string[], exit: string[] = ['/bin/true'], timeout = 30): CommandConfig {
  return { driver: 'command', enter, exit, timeout }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('command driver: argv, placeholders and environment (docs/inventory.md#maintenance-drivers)', () => {
  it('substitutes placeholders inside single arguments, never through a shell, with the docs/stage-scripts.md environment', async () => {
    const out = path.join(dir, 'args.txt')
    const record = script(
      'record.sh',
      `out="$1"; shift
{ for a in "$@"; do printf '[%s]\\n' "$a"; done
  printf 'STAGE=%s\\nRUN=%s\\nHOST_ID=%s\\nHOST_NAME=%s\\n' "$ROLLMAINT_STAGE" "$ROLLMAINT_RUN_ID" "$ROLLMAINT_HOST_ID" "$ROLLMAINT_HOST_NAME"
  printf 'PAYLOAD=%s\\n' "$ROLLMAINT_PAYLOAD"
  printf 'REDIS=%s KEYS=%s PATH_SET=%s\\n' "\${REDIS_URL-unset}" "\${ROLLMAINT_API_KEYS-unset}" "\${PATH:+yes}"
} > "$out"`
    )
    const driver = createCommandDriver(
      config([record, out, '{host.id}', '--name={host.name}', '{host.address}', '{cluster.id}', '{unknown}', 'a b']),
      {
        baseEnv: {
          PATH: process.env.PATH,
          REDIS_URL: 'redis://:hunter2@redis:6379',
          ROLLMAINT_API_KEYS: '/etc/keys.yaml'
        }
      }
    )
    await expect(driver.enter(context())).resolves.toEqual({ kind: 'entered', migrated: [] })
    expect(readFileSync(out, 'utf8')).toBe(
      [
        '[host-1]',
        `[--name=kvm 1 "$(touch /tmp/pwned)" ;]`,
        '[10.0.0.11]',
        '[cluster-a]',
        '[{unknown}]',
        '[a b]',
        'STAGE=EnterMaintenance',
        'RUN=run-42',
        'HOST_ID=host-1',
        `HOST_NAME=kvm 1 "$(touch /tmp/pwned)" ;`,
        `PAYLOAD=line1\nit's "quoted" $(date)`,
        'REDIS=unset KEYS=unset PATH_SET=yes',
        ''
      ].join('\n')
    )
  })

  it('exit runs the exit argv with ROLLMAINT_STAGE=ExitMaintenance; no payload means no ROLLMAINT_PAYLOAD', async () => {
    const out = path.join(dir, 'exit.txt')
    const record = script(
      'record-exit.sh',
      `printf '%s %s %s\\n' "$1" "$ROLLMAINT_STAGE" "\${ROLLMAINT_PAYLOAD-none}" > "${out}"`
    )
    const driver = createCommandDriver(config(['/bin/false'], [record, '{host.address}']))
    await expect(driver.exit(context({ payload: undefined }))).resolves.toEqual({ kind: 'exited' })
    expect(readFileSync(out, 'utf8')).toBe('10.0.0.11 ExitMaintenance none\n')
  })
})

describe('command driver: failures carry the command and its output (docs/inventory.md#maintenance-drivers)', () => {
  it('a non-zero exit fails enter with the status and stdout+stderr', async () => {
    const fail = script('fail.sh', `echo "draining $ROLLMAINT_HOST_ID"; echo "no capacity left in cluster" >&2; exit 3`)
    const outcome = await createCommandDriver(config([fail])).enter(context())
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason: `${fail} exited with status 3; output:\ndraining host-1\nno capacity left in cluster`
    })
  })

  it('a failing exit command fails exit', async () => {
    const fail = script('fail-exit.sh', 'exit 1')
    await expect(createCommandDriver(config(['/bin/true'], [fail])).exit(context())).resolves.toEqual({
      kind: 'failed',
      reason: `${fail} exited with status 1 (no output)`
    })
  })

  it('keeps only the last 64 KiB of output', async () => {
    // 200 KiB of numbered lines, then a last word: the reason holds the end, not the beginning
    const chatty = script(
      'chatty.sh',
      `i=0; while [ $i -lt 20000 ]; do echo "line $i xxxxxxxxx"; i=$((i+1)); done; echo LAST-WORD; exit 2`
    )
    const outcome = await createCommandDriver(config([chatty])).enter(context())
    if (outcome.kind !== 'failed') throw new Error('expected a failure')
    const output = outcome.reason.split('; output:\n')[1]!
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(64 * 1024)
    expect(Buffer.byteLength(output)).toBeGreaterThan(64 * 1024 - 100)
    expect(output.endsWith('line 19999 xxxxxxxxx\nLAST-WORD')).toBe(true)
    expect(output).not.toContain('line 0 ')
  })

  it('a program that does not exist', async () => {
    const missing = path.join(dir, 'no-such-program')
    await expect(createCommandDriver(config([missing])).enter(context())).resolves.toEqual({
      kind: 'failed',
      migrated: [],
      reason: `cannot start ${missing}: ENOENT`
    })
  })

  it('a timeout kills the whole process group, children included', async () => {
    const pids = path.join(dir, 'pids.txt')
    const slow = script('slow.sh', `sleep 300 & echo "$$ $!" > "${pids}"; echo started; wait`)
    const started = Date.now()
    const outcome = await createCommandDriver(config([slow], ['/bin/true'], 1), { killGraceMs: 500 }).enter(context())
    expect(Date.now() - started).toBeLessThan(5000)
    expect(outcome).toEqual({
      kind: 'failed',
      migrated: [],
      reason: `${slow} timed out after 1 s and was killed; output:\nstarted`
    })
    const [shPid, sleepPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number)
    await expect.poll(() => [alive(shPid!), alive(sleepPid!)], { timeout: 3000 }).toEqual([false, false])
  })

  it('a command that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const pidFile = path.join(dir, 'stubborn.pid')
    const stubborn = script('stubborn.sh', `trap '' TERM; echo $$ > "${pidFile}"; while :; do sleep 1; done`)
    const outcome = await createCommandDriver(config([stubborn], ['/bin/true'], 1), { killGraceMs: 300 }).enter(
      context()
    )
    expect(outcome.kind).toBe('failed')
    await expect.poll(() => alive(Number(readFileSync(pidFile, 'utf8'))), { timeout: 3000 }).toBe(false)
  })

  it('losing the cluster (abort) stops the command', async () => {
    const marker = path.join(dir, 'aborted.pid')
    const slow = script('abortable.sh', `echo $$ > "${marker}"; sleep 300`)
    const ac = new AbortController()
    const pending = createCommandDriver(config([slow]), { killGraceMs: 300 }).enter(context({ signal: ac.signal }))
    await expect.poll(() => existsSync(marker), { timeout: 3000 }).toBe(true)
    ac.abort()
    await expect(pending).resolves.toEqual({
      kind: 'failed',
      migrated: [],
      reason: `${slow} was stopped: this worker lost the cluster (no output)`
    })
    // The group is KILLed before the answer; the kernel finishes it a moment later under load.
    await expect.poll(() => alive(Number(readFileSync(marker, 'utf8'))), { timeout: 3000 }).toBe(false)
  })

  it('a command that exits 0 but leaves a child holding its output does not hang the driver', async () => {
    const pidFile = path.join(dir, 'lingering.pid')
    const leaves = script('leaves-child.sh', `sleep 300 & echo $! > "${pidFile}"; echo done`)
    const started = Date.now()
    await expect(createCommandDriver(config([leaves])).enter(context())).resolves.toEqual({
      kind: 'entered',
      migrated: []
    })
    expect(Date.now() - started).toBeLessThan(4000)
    await expect.poll(() => alive(Number(readFileSync(pidFile, 'utf8'))), { timeout: 3000 }).toBe(false)
  })
})
