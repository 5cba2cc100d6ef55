import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { clusterId, startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import {
  listeningPort,
  startNodeProcess,
  startWorkerProcess,
  writeInventory,
  type WorkerProcess
} from '../support/worker-process.js'

let e2e: E2E
const procs: WorkerProcess[] = []

beforeAll(async () => {
  e2e = await startE2E({ label: 'procs', clusters: [{ name: 'pc1', hosts: ['p1', 'p2'] }], workers: 0 })
  setHooks(e2e.fleet, ['p1', 'p2'], { PreFlight: {}, Maintenance: { stdout: 'ok' } })
})
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL')
  await e2e?.close()
})

const GENERATED = 'generated an admin key pair in'

/** Reads the admin key pair the API generated on its first start from the 0600 file its log line names. */
function generatedKeys(p: WorkerProcess, dataDir: string): { apiKey: string; secretKey: string } {
  const file = path.join(dataDir, 'api-keys.yaml')
  expect(p.lines.some((l) => l.includes(`${GENERATED} ${file}`))).toBe(true)
  expect(statSync(file).mode & 0o777).toBe(0o600)
  const [admin] = parse(readFileSync(file, 'utf8')) as Array<{ apiKey: string; secretKey: string }>
  return admin!
}

async function runOverHttp(
  port: number,
  creds: { apiKey: string; secretKey: string }
): Promise<{ status: string; result: { rollingmaintenance: { success: boolean; hostsupdated: unknown[] } } }> {
  const auth = `Basic ${Buffer.from(`${creds.apiKey}:${creds.secretKey}`).toString('base64')}`
  const base = `http://127.0.0.1:${port}`
  const created = await fetch(`${base}/api/v1/rolling-maintenance`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ clusterids: [clusterId('pc1')] })
  })
  expect(created.status).toBe(202)
  const { id } = (await created.json()) as { id: string }
  for (let i = 0; i < 600; i++) {
    const view = (await (
      await fetch(`${base}/api/v1/rolling-maintenance/${id}`, { headers: { authorization: auth } })
    ).json()) as { status: string; result?: never }
    if (view.result) return view as never
    await sleep(50)
  }
  throw new Error('run did not finish')
}

describe('processes (docs/operations.md#processes)', () => {
  it('npm run api + npm run worker: separate processes on one Redis; the first API start generates an admin key into a 0600 file and says where, never printing the secret', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rm-data-'))
    const env = {
      ...e2e.env,
      ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc),
      PORT: '0',
      HOST: '127.0.0.1',
      ROLLMAINT_DATA_DIR: dataDir
    }
    const api = await startNodeProcess('api/server.ts', env, GENERATED)
    const port = listeningPort(api)
    procs.push(api, await startWorkerProcess(env))
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    const keys = generatedKeys(api, dataDir)
    const done = await runOverHttp(port, keys)
    expect(done.status).toBe('succeeded')
    expect(done.result.rollingmaintenance.hostsupdated).toHaveLength(2)
    // issue 11 item 3: the secret is in no line the process wrote (stdout is what compose keeps)
    expect(api.lines.filter((l) => l.includes(keys.secretKey))).toEqual([])
  })

  it('npm start: the API and a worker in one process', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rm-data-'))
    const env = {
      ...e2e.env,
      ROLLMAINT_INVENTORY: writeInventory(e2e.inventoryDoc),
      PORT: '0',
      HOST: '127.0.0.1',
      ROLLMAINT_DATA_DIR: dataDir
    }
    const all = await startNodeProcess('main.ts', env, GENERATED)
    const port = listeningPort(all)
    procs.push(all)
    const done = await runOverHttp(port, generatedKeys(all, dataDir))
    expect(done.status).toBe('succeeded')
    all.child.kill('SIGTERM')
    expect((await all.exited).code).toBe(0)
  })

  it('a malformed inventory is refused at start-up with the file, the path and the problem', async () => {
    const env = {
      ...e2e.env,
      ROLLMAINT_INVENTORY: writeInventory({
        zones: [
          {
            id: 'z',
            name: 'z',
            pods: [
              {
                id: 'p',
                name: 'p',
                clusters: [{ id: 'c', name: 'c', hosts: [{ id: 'h', name: 'h', address: 'a', port: 'ssh' }] }]
              }
            ]
          }
        ]
      })
    }
    await expect(startWorkerProcess(env, 15_000)).rejects.toThrow(
      /inventory\.yaml[\s\S]*zones\[0\]\.pods\[0\]\.clusters\[0\]\.hosts\[0\]\.port/
    )
  })
})
