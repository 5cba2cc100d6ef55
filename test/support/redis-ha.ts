import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../../shared/free-port.js'
import { createRedisConnection, type RedisClient } from '../../store/connection.js'
import { redisAnswers } from '../../store/redis-answers.js'

/**
 * Real Debian redis-server / redis-sentinel processes on loopback for failover tests: a Sentinel
 * group (1 master, 2 replicas, 3 sentinels) and a Redis Cluster (3 masters, 3 replicas). Every
 * process is SIGKILLed by `stop()`, and by an exit hook if the test process dies first.
 */

export interface RedisProcess {
  port: number
  readonly child: ChildProcess
  readonly alive: boolean
  kill(): Promise<void>
  /** Starts it again on the same port and data dir; `asMaster` drops its --replicaof. */
  restart(opts?: { asMaster?: boolean }): Promise<void>
}

const everyChild = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of everyChild) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

function need(cmd: string): void {
  if (spawnSync(cmd, ['--version']).error) {
    throw new Error(`failover tests need ${cmd}: install it with \`apt-get install -y redis-server redis-sentinel\``)
  }
}

// Production-like persistence and policy; diskless sync without delay so replicas attach in
// milliseconds instead of the default 5 s.
const SERVER_ARGS = [
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'yes',
  '--appendfsync',
  'everysec',
  '--maxmemory-policy',
  'noeviction',
  '--repl-diskless-sync',
  'yes',
  '--repl-diskless-sync-delay',
  '0',
  '--protected-mode',
  'no'
]

function spawnRedis(cmd: string, args: string[], port: number): RedisProcess {
  let child!: ChildProcess
  let exited!: Promise<void>
  const launch = (argv: string[]): void => {
    child = spawn(cmd, argv, { stdio: 'ignore' })
    everyChild.add(child)
    const c = child
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
  }
  launch(args)
  const alive = (): boolean => child.exitCode === null && child.signalCode === null
  const kill = async (): Promise<void> => {
    if (alive()) child.kill('SIGKILL')
    await exited
    everyChild.delete(child)
  }
  return {
    port,
    get child() {
      return child
    },
    get alive() {
      return alive()
    },
    kill,
    async restart(opts = {}) {
      await kill()
      const i = args.indexOf('--replicaof')
      launch(opts.asMaster && i >= 0 ? [...args.slice(0, i), ...args.slice(i + 3)] : args)
      await waitUntil(`${cmd} on ${port} did not answer after a restart`, () =>
        redisAnswers(`redis://127.0.0.1:${port}`, 500)
      )
    }
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`)
    await sleep(50)
  }
}

/** One command on one node, on a short-lived connection. */
export async function nodeCommand(port: number, ...args: Array<string | number>): Promise<unknown> {
  const r = createRedisConnection({ mode: 'single', url: `redis://127.0.0.1:${port}` }, 'tool', undefined, {
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000
  })
  r.on('error', () => undefined)
  try {
    return await r.call(String(args[0]), ...args.slice(1))
  } finally {
    r.disconnect()
  }
}

export interface SentinelGroup {
  name: string
  /** REDIS_SENTINELS / REDIS_SENTINEL_NAME for the processes under test. */
  env: Record<string, string>
  servers: RedisProcess[]
  sentinels: RedisProcess[]
  /** Port of the master as the sentinels see it now. */
  masterPort(): Promise<number>
  /** SIGKILLs the current master; resolves with the time of the kill. */
  killMaster(): Promise<number>
  /** Resolves with the new master's port once the sentinels have promoted a replica away from `oldPort`. */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<number>
  connect(): RedisClient
  stop(): Promise<void>
}

/** 1 master + `replicas` replicas + `sentinels` sentinels (quorum 2), failing over 1 s after the master stops answering. */
export async function startSentinelGroup(
  opts: { replicas?: number; sentinels?: number; downAfterMs?: number } = {}
): Promise<SentinelGroup> {
  need('redis-server')
  need('redis-sentinel')
  const name = 'rollmaint-test'
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-sentinel-'))
  const servers: RedisProcess[] = []
  const sentinels: RedisProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinels, ...servers].map((p) => p.kill()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const masterPort = await freePort()
    const startServer = async (port: number, replicaOf?: number): Promise<void> => {
      const d = mkdtempSync(path.join(dir, `redis-${port}-`))
      const args = [
        '--port',
        String(port),
        '--dir',
        d,
        ...SERVER_ARGS,
        ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : [])
      ]
      servers.push(spawnRedis('redis-server', args, port))
      await waitUntil(`redis-server on ${port} did not answer`, () => redisAnswers(`redis://127.0.0.1:${port}`, 500))
    }
    await startServer(masterPort)
    for (let i = 0; i < (opts.replicas ?? 2); i++) await startServer(await freePort(), masterPort)
    await waitUntil('replicas did not attach to the master', async () => {
      const info = String(await nodeCommand(masterPort, 'INFO', 'replication'))
      return Number(/connected_slaves:(\d+)/.exec(info)?.[1]) === (opts.replicas ?? 2)
    })
    for (let i = 0; i < (opts.sentinels ?? 3); i++) {
      const port = await freePort()
      const conf = path.join(dir, `sentinel-${port}.conf`)
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 2`,
          ''
        ].join('\n')
      )
      sentinels.push(spawnRedis('redis-sentinel', [conf], port))
      await waitUntil(`redis-sentinel on ${port} did not answer`, () => redisAnswers(`redis://127.0.0.1:${port}`, 500))
    }
    // Every sentinel must know the others and the replicas before a failover can get a quorum.
    await waitUntil('sentinels did not discover each other', async () => {
      for (const s of sentinels) {
        const master = (await nodeCommand(s.port, 'SENTINEL', 'MASTER', name)) as string[]
        const field = (k: string): number => Number(master[master.indexOf(k) + 1])
        if (field('num-other-sentinels') !== sentinels.length - 1 || field('num-slaves') !== (opts.replicas ?? 2))
          return false
      }
      return true
    })
  } catch (err) {
    await stop()
    throw err
  }
  const env = { REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_NAME: name }
  const masterPort = async (): Promise<number> => {
    for (const s of sentinels.filter((x) => x.alive)) {
      const reply = (await nodeCommand(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name).catch(() => null)) as
        [string, string] | null
      if (reply) return Number(reply[1])
    }
    throw new Error('no sentinel answers')
  }
  return {
    name,
    env,
    servers,
    sentinels,
    masterPort,
    async killMaster() {
      const port = await masterPort()
      const master = servers.find((s) => s.port === port)
      if (!master) throw new Error(`master ${port} is not one of ours`)
      master.child.kill('SIGKILL')
      const at = Date.now()
      await master.kill()
      return at
    },
    async waitForNewMaster(oldPort, timeoutMs = 30_000) {
      let port = oldPort
      await waitUntil(
        'the sentinels did not promote a replica',
        async () => {
          port = await masterPort()
          return port !== oldPort && String(await nodeCommand(port, 'ROLE')).startsWith('master')
        },
        timeoutMs
      )
      return port
    },
    connect: () =>
      createRedisConnection(
        { mode: 'sentinel', sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name },
        'tool'
      ),
    stop
  }
}

/** A port whose cluster bus port (+10000) is free too. */
async function clusterPort(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const srv = net.createServer()
      srv.once('error', () => resolve(false))
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
    })
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if ((await free(port)) && (await free(port + 10_000))) return port
  }
  throw new Error('no free port pair for a Redis Cluster node')
}

export interface RedisClusterProcs {
  env: Record<string, string>
  nodes: RedisProcess[]
  /** Port of the master serving the slot of `key` now. */
  masterOf(key: string): Promise<number>
  /** SIGKILLs the master serving `key`; resolves with the time of the kill. */
  killMasterOf(key: string): Promise<{ port: number; at: number }>
  /** Resolves with the port of the new master of `key` once a replica took over from `oldPort` and the cluster is ok. */
  waitForNewMasterOf(key: string, oldPort: number, timeoutMs?: number): Promise<number>
  connect(): RedisClient
  stop(): Promise<void>
}

/**
 * `masters` masters with `replicasPerMaster` replicas each (2 by default, so a promoted replica
 * still has one to acknowledge writes), made with `redis-cli --cluster create`.
 */
export async function startRedisCluster(
  opts: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {}
): Promise<RedisClusterProcs> {
  need('redis-server')
  need('redis-cli')
  const masters = opts.masters ?? 3
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-cluster-'))
  const nodes: RedisProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((p) => p.kill()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const perMaster = opts.replicasPerMaster ?? 2
    for (let i = 0; i < masters * (1 + perMaster); i++) {
      const port = await clusterPort()
      const d = mkdtempSync(path.join(dir, `node-${port}-`))
      nodes.push(
        spawnRedis(
          'redis-server',
          [
            '--port',
            String(port),
            '--dir',
            d,
            ...SERVER_ARGS,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(d, 'nodes.conf'),
            '--cluster-node-timeout',
            String(opts.nodeTimeoutMs ?? 1000)
          ],
          port
        )
      )
    }
    for (const n of nodes)
      await waitUntil(`cluster node ${n.port} did not answer`, () => redisAnswers(`redis://127.0.0.1:${n.port}`, 500))
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(perMaster),
        '--cluster-yes'
      ],
      { encoding: 'utf8', timeout: 60_000 }
    )
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`)
    await waitUntil('the cluster did not reach cluster_state:ok on every node', async () => {
      for (const n of nodes)
        if (!String(await nodeCommand(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
      return true
    })
  } catch (err) {
    await stop()
    throw err
  }
  const live = (): RedisProcess[] => nodes.filter((n) => n.alive)
  const masterOf = async (key: string): Promise<number> => {
    const slot = Number(await nodeCommand(live()[0]!.port, 'CLUSTER', 'KEYSLOT', key))
    for (const n of live()) {
      const shards = (await nodeCommand(n.port, 'CLUSTER', 'SLOTS').catch(() => null)) as Array<
        [number, number, [string, number, string]]
      > | null
      const owner = shards?.find(([from, to]) => slot >= from && slot <= to)
      if (owner) return Number(owner[2][1])
    }
    throw new Error(`no node serves slot ${slot}`)
  }
  return {
    env: { REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(',') },
    nodes,
    masterOf,
    async killMasterOf(key) {
      const port = await masterOf(key)
      const node = nodes.find((n) => n.port === port)!
      node.child.kill('SIGKILL')
      const at = Date.now()
      await node.kill()
      return { port, at }
    },
    async waitForNewMasterOf(key, oldPort, timeoutMs = 30_000) {
      let port = oldPort
      await waitUntil(
        'no replica took over the slot',
        async () => {
          port = await masterOf(key)
          if (port === oldPort) return false
          return String(await nodeCommand(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')
        },
        timeoutMs
      )
      return port
    },
    connect: () =>
      createRedisConnection(
        { mode: 'cluster', nodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
        'tool'
      ),
    stop
  }
}
