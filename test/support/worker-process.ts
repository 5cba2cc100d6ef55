import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'

export interface WorkerProcess {
  child: ChildProcess
  pid: number
  /** Log lines (pino JSON) printed so far. */
  lines: string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const ROOT = path.resolve(import.meta.dirname, '../..')

/** Writes an inventory document to a YAML file, as an operator would. */
export function writeInventory(doc: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-inv-'))
  const file = path.join(dir, 'inventory.yaml')
  writeFileSync(file, stringify(doc))
  return file
}

/**
 * How long a process may take to get ready. tsx compiles the sources at every start: on a fresh
 * clone (cold transform cache) with the whole suite running on two cores, a start took over 20 s.
 */
const START_TIMEOUT_MS = 60_000

/** Starts `workers/main.ts` as its own OS process (what `npm run worker` runs), resolved once it is ready. */
export function startWorkerProcess(env: Record<string, string>, timeoutMs = START_TIMEOUT_MS): Promise<WorkerProcess> {
  return startNodeProcess('workers/main.ts', env, '"worker ready"', timeoutMs)
}

/** Starts one of the project's entry points as its own OS process; resolves when a line contains `readyText`. */
export async function startNodeProcess(
  entry: string,
  env: Record<string, string>,
  readyText: string,
  timeoutMs = START_TIMEOUT_MS
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  let buffered = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A late starter must not join the test unseen (a worker no test knows of takes jobs).
      child.kill('SIGKILL')
      reject(new Error(`${entry} did not get ready in ${timeoutMs} ms:\n${lines.join('\n')}`))
    }, timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        if (line.includes(readyText)) {
          clearTimeout(timer)
          resolve()
        }
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()))
    // exited never rejects; after ready, this reject is a no-op.
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`${entry} exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`))
    })
  })
  await ready
  return { child, pid: child.pid!, lines, exited }
}

/**
 * The port an API process says it listens on (start it with PORT=0, once its "API listening" line
 * is out). A port picked beforehand and handed over in PORT was taken by another process during a
 * slow start under load (EADDRINUSE).
 */
export function listeningPort(api: WorkerProcess): number {
  const m = /API listening on https?:\/\/[^ "]+:(\d+)/.exec(api.lines.join('\n'))
  if (!m) throw new Error(`no "API listening" line:\n${api.lines.join('\n')}`)
  return Number(m[1])
}
