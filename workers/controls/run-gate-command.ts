import { spawn } from 'node:child_process'
import type { HostConfig } from '../../shared/types.js'
import { workerChildEnv } from '../worker-child-env.js'

export interface GateAttempt {
  /** null when the command could not be started or was killed (timeout). */
  exitCode: number | null
  /** Tail of stdout+stderr, or why it could not run. */
  output: string
  timedOut: boolean
}

const OUTPUT_TAIL = 4096

/**
 * `{host.id}`, `{host.name}`, `{host.address}`, `{cluster.id}` are replaced where they form a whole
 * argument or part of one; the argv never passes through a shell, so nothing else is interpreted. Pure.
 */
export function gateArgv(argv: readonly string[], host: HostConfig): string[] {
  const values: Record<string, string> = {
    '{host.id}': host.id,
    '{host.name}': host.name,
    '{host.address}': host.address,
    '{cluster.id}': host.clusterId
  }
  return argv.map((arg) => arg.replace(/\{(?:host\.id|host\.name|host\.address|cluster\.id)\}/g, (m) => values[m]!))
}

/**
 * Runs one gate attempt on the worker (docs/api.md#operator-controls): exit 0 = go. The command gets the `ROLLMAINT_*`
 * variables of a stage and the worker's environment without its own settings (no Redis password); on timeout its whole process group is killed, so a hung check cannot
 * linger. Never throws: a command that cannot start is a failed attempt with the reason as output.
 */
export function runGateCommand(
  argv: readonly string[],
  env: Record<string, string>,
  timeoutMs: number
): Promise<GateAttempt> {
  return new Promise((resolve) => {
    let output = ''
    let timedOut = false
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    const child = spawn(argv[0]!, argv.slice(1), {
      env: workerChildEnv(process.env, env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    child.stdout.on('data', append)
    child.stderr.on('data', append)
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      resolve({ exitCode: null, output: `cannot run gate ${JSON.stringify(argv[0])}: ${err.message}`, timedOut: false })
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({
        exitCode: timedOut ? null : code,
        output: timedOut ? `${output}\n(gate attempt timed out after ${timeoutMs} ms)` : output,
        timedOut
      })
    })
  })
}
