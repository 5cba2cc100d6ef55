import { spawn } from 'node:child_process'
import path from 'node:path'
import { createRedisConnection } from '../../store/connection.js'
import { describe, expect, it } from 'vitest'
import { SEED_ZONES } from '../../demo/seed-fleet.js'
import { testRedis, testRedisUrl } from '../support/redis.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

interface DemoOutput {
  code: number | null
  stdout: string
  stderr: string
}

interface Result {
  rollingmaintenance: {
    details: string
    success: boolean
    hostsskipped: unknown[]
    hostsupdated: Array<{ hostid: string; hostname: string; startdate: string; enddate: string; output: string }>
  }
}

/** `npm run demo` as a newcomer runs it (the script's command: node --import tsx demo/run-demo.ts). */
function runDemo(args: string[], env: Record<string, string | undefined>): Promise<DemoOutput> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/run-demo.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The final result: the 2-space-indented JSON document after the progress lines. */
function resultOf({ stdout, stderr }: DemoOutput): Result {
  const start = stdout.indexOf('\n{\n')
  expect(start, `${stdout}\n--- stderr ---\n${stderr}`).toBeGreaterThan(0)
  return JSON.parse(stdout.slice(start)) as Result
}

/**
 * From the progress lines: for each cluster, no host enters its Maintenance stage while another
 * host of that cluster is between its Maintenance start and its end (updated or failed).
 */
function maintenanceOverlaps(stdout: string): string[] {
  const inMaintenance = new Map<string, string>()
  const problems: string[] = []
  for (const line of stdout.split('\n')) {
    const m = /^\[\s*[\d.]+ s\] (\S+)\s+(\S+)\s+(Maintenance\s+started|updated|FAILED)/.exec(line)
    if (!m) continue
    const [, cluster, host, what] = m as unknown as [string, string, string, string]
    if (what.startsWith('Maintenance')) {
      if (inMaintenance.has(cluster))
        problems.push(`${host} entered maintenance while ${inMaintenance.get(cluster)} was in it`)
      inMaintenance.set(cluster, host)
    } else if (inMaintenance.get(cluster) === host) inMaintenance.delete(cluster)
  }
  return problems
}

const hostsOf = (clusterIndex: [number, number]): string[] =>
  SEED_ZONES[clusterIndex[0]]!.clusters[clusterIndex[1]]!.hosts.map((h) => h.name)

describe('npm run demo', () => {
  it("runs the seed's two zones on simulated SSH hosts with live progress, prints a successful result with 9 hosts, exits 0 and leaves no keys", async () => {
    const out = await runDemo([], { REDIS_URL: testRedisUrl() })
    const { code, stdout, stderr } = out
    expect(code, `${stdout}\n${stderr}`).toBe(0)

    // live progress from the event stream, every stage of every host
    expect(stdout).toContain('run started: 9 hosts in 3 clusters')
    for (const z of SEED_ZONES) {
      for (const c of z.clusters) {
        for (const h of c.hosts) {
          for (const stage of ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance']) {
            expect(stdout).toMatch(new RegExp(`${z.name}/${c.name} +${h.name} +${stage} finished: exited 0 in`))
          }
        }
      }
    }
    expect(stdout).toContain('run succeeded')
    expect(maintenanceOverlaps(stdout)).toEqual([])

    const result = resultOf(out)
    expect(result.rollingmaintenance.success).toBe(true)
    expect(result.rollingmaintenance.details).toBe('OK')
    expect(result.rollingmaintenance.hostsskipped).toEqual([])
    const updated = result.rollingmaintenance.hostsupdated
    expect(updated).toHaveLength(9)
    // the seed's ids and names; inside each cluster, the inventory order (kvm6, kvm5, kvm4 in cluster2)
    const seedHosts = SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts))
    expect(new Map(updated.map((u) => [u.hostid, u.hostname]))).toEqual(new Map(seedHosts.map((h) => [h.id, h.name])))
    for (const cluster of [
      [0, 0],
      [0, 1],
      [1, 0]
    ] as Array<[number, number]>) {
      const names = hostsOf(cluster)
      expect(updated.map((u) => u.hostname).filter((n) => names.includes(n))).toEqual(names)
    }
    for (const u of updated) {
      expect(u.output).toMatch(/^patched kernel 6\.1\.0-\d+\n$/)
      expect(u.startdate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
    }

    // its key prefix is gone from the shared Redis
    const prefix = /key prefix \{(demo-[0-9a-f]+)\}/.exec(stdout)?.[1]
    expect(prefix).toBeDefined()
    const redis = testRedis()
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `{${prefix}}*`, 'COUNT', 10_000)
      expect(keys).toEqual([])
    } finally {
      redis.disconnect()
    }
  }, 90_000)

  it('with a failing host (--fail): the run ends success false naming host and stage, no new host starts, exit 1', async () => {
    const failing = 'ref-trl-711-k-M7-apanic-kvm2'
    const out = await runDemo(['--fail', failing], { REDIS_URL: testRedisUrl() })
    const { code, stdout, stderr } = out
    expect(code, `${stdout}\n${stderr}`).toBe(1)
    const result = resultOf(out)
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toMatch(new RegExp(`Maintenance.*${failing}.*no space left on /boot`))
    const updated = result.rollingmaintenance.hostsupdated.map((u) => u.hostname)
    expect(updated).not.toContain(failing)
    // cluster1 stops at its failed host; kvm3 never starts
    expect(updated).not.toContain('ref-trl-711-k-M7-apanic-kvm3')
    expect(stdout).not.toMatch(/ref-trl-711-k-M7-apanic-kvm3 +PreMaintenance/)
    expect(stdout).toContain('run failed')
    expect(maintenanceOverlaps(stdout)).toEqual([])
  }, 90_000)

  it('starts and stops a private redis-server when REDIS_URL is not set', async () => {
    const out = await runDemo([], { REDIS_URL: undefined })
    const { code, stdout, stderr } = out
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(resultOf(out).rollingmaintenance.success).toBe(true)
    const url = /private redis-server at (redis:\/\/\S+),/.exec(stdout)?.[1]
    expect(url).toBeDefined()
    const probe = createRedisConnection({ mode: 'single', url: url! }, 'tool', undefined, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0
    })
    probe.on('error', () => undefined)
    await expect(probe.connect()).rejects.toThrow()
    probe.disconnect()
  }, 90_000)

  it('refuses unknown arguments with the usage', async () => {
    const { code, stderr } = await runDemo(['--fail', 'no-such-host'], {})
    expect(code).toBe(2)
    expect(stderr).toContain('--fail needs one of: ref-trl-711-k-M7-apanic-kvm1')
    expect(stderr).toContain('usage: npm run demo')
  })
})
