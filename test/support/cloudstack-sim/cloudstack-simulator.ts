import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyCloudStackSignature } from '../../../api/cloudstack/verify-signature.js'
import { canAttemptMaintenance, nextResourceState, type ResourceEvent, type ResourceState } from './resource-state.js'
import {
  clusterView,
  hostView,
  jobView,
  podView,
  vmView,
  zoneView,
  type SimCluster,
  type SimHost,
  type SimJob,
  type SimLayout,
  type SimPod,
  type SimVm,
  type SimZone
} from './sim-model.js'

/**
 * A SIMULATOR of an Apache CloudStack management server, for tests only (no CloudStack can run here).
 * It speaks CloudStack's HTTP API on 127.0.0.1 (signed requests, `response=json`, async jobs) for the
 * commands rollmaint uses, and moves hosts through CloudStack's own resource-state machine:
 * prepareHostForMaintenance → PrepareForMaintenance, VMs migrate to the cluster's other Enabled hosts,
 * then Maintenance, or (a VM that cannot move) ErrorInPrepareForMaintenance → ErrorInMaintenance;
 * cancelHostMaintenance → Enabled. Error texts are CloudStack's.
 */
export interface CloudStackSimulatorOptions {
  layout: SimLayout
  users: Array<{ apiKey: string; secretKey: string }>
  /** Time an async job takes before it completes. */
  jobDelayMs?: number
  /** Time one VM migration takes. */
  migrationMs?: number
}

export interface CloudStackSimulator {
  /** `http://127.0.0.1:<port>/client/api` */
  url: string
  resourceState(hostId: string): ResourceState
  /** The resource state the host had at `at` (ms since epoch). */
  resourceStateAt(hostId: string, at: number): ResourceState
  history(hostId: string): ResourceState[]
  vmsOn(hostId: string): string[]
  setResourceState(hostId: string, state: ResourceState): void
  /** This VM's migrations fail: its host ends in ErrorInMaintenance. */
  failMigrationOf(vmName: string): void
  /** The next async job on this host fails with this text (wrapped as CloudStack wraps it). */
  failNextJob(hostId: string, errortext: string): void
  /** Commands received, in order, and how many were refused for their signature. */
  readonly commands: string[]
  readonly rejectedSignatures: number
  close(): Promise<void>
}

const PREPARE_CMD = 'org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd'
const CANCEL_CMD = 'org.apache.cloudstack.api.command.admin.host.CancelMaintenanceCmd'

class ApiError extends Error {
  constructor(
    readonly errorcode: number,
    message: string
  ) {
    super(message)
  }
}

export async function startCloudStackSimulator(options: CloudStackSimulatorOptions): Promise<CloudStackSimulator> {
  const jobDelayMs = options.jobDelayMs ?? 50
  const migrationMs = options.migrationMs ?? 100
  const zones: SimZone[] = []
  const pods: SimPod[] = []
  const clusters: SimCluster[] = []
  const hosts: SimHost[] = []
  const vms: SimVm[] = []
  const jobs = new Map<string, SimJob>()
  const unmovable = new Set<string>()
  const jobFaults = new Map<string, string>()
  const timers = new Set<NodeJS.Timeout>()
  const commands: string[] = []
  let rejectedSignatures = 0
  let nextDbId = 1

  for (const z of options.layout.zones) {
    const zone = { id: z.id, name: z.name }
    zones.push(zone)
    for (const p of z.pods) {
      const pod = { id: p.id, name: p.name, zone }
      pods.push(pod)
      for (const c of p.clusters) {
        const cluster = { id: c.id, dbId: nextDbId++, name: c.name, hypervisortype: c.hypervisortype ?? 'KVM', pod }
        clusters.push(cluster)
        for (const h of c.hosts) {
          const state = h.resourcestate ?? 'Enabled'
          const host: SimHost = {
            id: h.id,
            dbId: nextDbId++,
            name: h.name,
            ipaddress: h.ipaddress,
            type: h.type ?? 'Routing',
            hypervisor: h.hypervisor ?? cluster.hypervisortype,
            cluster,
            resourcestate: state,
            history: [{ state, at: Date.now() }]
          }
          hosts.push(host)
          for (const name of h.vms ?? []) vms.push({ id: randomUUID(), name, host })
        }
      }
    }
  }

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  const setState = (host: SimHost, state: ResourceState): void => {
    host.resourcestate = state
    host.history.push({ state, at: Date.now() })
  }
  const transit = (host: SimHost, event: ResourceEvent): boolean => {
    const next = nextResourceState(host.resourcestate, event)
    if (next === undefined) return false
    setState(host, next)
    return true
  }
  const hostById = (id: string): SimHost => {
    const host = hosts.find((h) => h.id === id)
    if (!host) throw new Error(`simulator: no host ${id}`)
    return host
  }

  /** CloudStack's answer to an id that is not a known UUID (ApiDispatcher's parameter check). */
  const findHost = (command: string, id: string | undefined): SimHost => {
    if (!id) throw new ApiError(431, `Unable to execute API command ${command} due to missing parameter id`)
    const host = hosts.find((h) => h.id === id)
    if (!host) {
      throw new ApiError(
        431,
        `Unable to execute API command ${command} due to invalid value. Invalid parameter id value=${id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`
      )
    }
    return host
  }

  const startJob = (
    cmd: string,
    host: SimHost,
    body: (job: SimJob) => Record<string, unknown>,
    wrap: string
  ): Record<string, unknown> => {
    const job: SimJob = { id: randomUUID(), cmd, instanceId: host.id, status: 0, resultCode: 0, created: new Date() }
    jobs.set(job.id, job)
    later(jobDelayMs, () => {
      const fault = jobFaults.get(host.id)
      jobFaults.delete(host.id)
      try {
        if (fault !== undefined) throw new Error(fault)
        job.result = body(job)
        job.status = 1
      } catch (err) {
        job.status = 2
        job.resultCode = 530
        job.result = { errorcode: 530, errortext: `${wrap}${(err as Error).message}` }
      }
      job.completed = new Date()
    })
    return { jobid: job.id }
  }

  /**
   * The VMs leave one by one (one migration each `migrationMs`), then ResourceManagerImpl.attemptMaintain
   * decides: Maintenance when none is left, else ErrorInPrepareForMaintenance and, retries spent,
   * ErrorInMaintenance.
   */
  const evacuate = (host: SimHost): void => {
    const queue = vms.filter((v) => v.host === host)
    let failed = 0
    const step = (): void => {
      if (host.resourcestate !== 'PrepareForMaintenance') return // cancelled meanwhile
      const vm = queue.shift()
      if (vm) {
        const targets = hosts.filter(
          (h) => h !== host && h.cluster === host.cluster && h.resourcestate === 'Enabled' && h.type === 'Routing'
        )
        const target = targets.sort(
          (a, b) => vms.filter((v) => v.host === a).length - vms.filter((v) => v.host === b).length
        )[0]
        if (!target || unmovable.has(vm.name)) failed++
        else vm.host = target
        later(migrationMs, step)
        return
      }
      if (failed === 0) {
        transit(host, 'InternalEnterMaintenance')
        return
      }
      // CloudStack first marks the failed migrations, retries what HA work remains, then gives up
      transit(host, 'UnableToMigrate')
      later(migrationMs, () => {
        if (host.resourcestate === 'ErrorInPrepareForMaintenance') transit(host, 'UnableToMaintain')
      })
    }
    later(migrationMs, step)
  }

  const handlers: Record<string, (p: Map<string, string>) => Record<string, unknown>> = {
    listzones: (p) => list('zone', zones.filter((z) => !p.get('id') || z.id === p.get('id')).map(zoneView), p),
    listpods: (p) =>
      list(
        'pod',
        pods
          .filter((x) => (!p.get('id') || x.id === p.get('id')) && (!p.get('zoneid') || x.zone.id === p.get('zoneid')))
          .map(podView),
        p
      ),
    listclusters: (p) =>
      list(
        'cluster',
        clusters
          .filter(
            (c) =>
              (!p.get('id') || c.id === p.get('id')) &&
              (!p.get('podid') || c.pod.id === p.get('podid')) &&
              (!p.get('zoneid') || c.pod.zone.id === p.get('zoneid'))
          )
          .map(clusterView),
        p
      ),
    listhosts: (p) => {
      const want = (name: string, value: string, caseless = false): boolean => {
        const given = p.get(name)
        return !given || (caseless ? given.toLowerCase() === value.toLowerCase() : given === value)
      }
      const found = hosts.filter(
        (h) =>
          want('id', h.id) &&
          want('name', h.name) &&
          want('zoneid', h.cluster.pod.zone.id) &&
          want('podid', h.cluster.pod.id) &&
          want('clusterid', h.cluster.id) &&
          want('type', h.type) &&
          want('hypervisor', h.hypervisor, true) &&
          want('resourcestate', h.resourcestate)
      )
      return list('host', found.map(hostView), p)
    },
    listvirtualmachines: (p) =>
      list(
        'virtualmachine',
        vms
          .filter((v) => (!p.get('hostid') || v.host.id === p.get('hostid')) && (!p.get('id') || v.id === p.get('id')))
          .map(vmView),
        p
      ),
    preparehostformaintenance: (p) => {
      const host = findHost('prepareHostForMaintenance', p.get('id'))
      return startJob(
        PREPARE_CMD,
        host,
        () => {
          if (!canAttemptMaintenance(host.resourcestate)) {
            throw new Error(
              `Host is already in state ${host.resourcestate}. Cannot recall for maintenance until resolved.`
            )
          }
          const busy = hosts.some(
            (h) =>
              h.cluster === host.cluster &&
              (h.resourcestate === 'PrepareForMaintenance' || h.resourcestate === 'ErrorInPrepareForMaintenance')
          )
          if (busy) {
            throw new Error(
              `There are other servers attempting migrations for maintenance. Found hosts in PrepareForMaintenance OR ErrorInPrepareForMaintenance STATUS in cluster ${host.cluster.dbId}`
            )
          }
          if (!transit(host, 'AdminAskMaintenance'))
            throw new Error(`Unable to prepare for maintenance host ${host.dbId}`)
          evacuate(host)
          return { host: hostView(host) }
        },
        'Failed to prepare host for maintenance due to: '
      )
    },
    cancelhostmaintenance: (p) => {
      const host = findHost('cancelHostMaintenance', p.get('id'))
      return startJob(
        CANCEL_CMD,
        host,
        () => {
          if (!transit(host, 'AdminCancelMaintenance')) {
            throw new Error(
              `Cannot perform cancelMaintenance when resource state is ${host.resourcestate}, hostId = ${host.dbId}`
            )
          }
          return { host: hostView(host) }
        },
        'Failed to cancel host maintenance due to: '
      )
    },
    queryasyncjobresult: (p) => {
      const job = jobs.get(p.get('jobid') ?? '')
      if (!job)
        throw new ApiError(
          431,
          `Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid value=${p.get('jobid') ?? ''} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`
        )
      return jobView(job)
    }
  }

  /** CloudStack's list responses: `{count, <key>: [...]}`, `{}` when empty; page/pagesize honoured. */
  function list(key: string, items: Array<Record<string, unknown>>, p: Map<string, string>): Record<string, unknown> {
    const pagesize = Number(p.get('pagesize') ?? 500)
    const page = Number(p.get('page') ?? 1)
    const slice = items.slice((page - 1) * pagesize, page * pagesize)
    return slice.length === 0 ? {} : { count: items.length, [key]: slice }
  }

  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (body += d))
    req.on('end', () => {
      // CloudStack reads parameters case-insensitively by name; the signature covers them as sent
      const raw = new Map<string, string>()
      for (const source of [new URL(req.url ?? '/', 'http://x').searchParams, new URLSearchParams(body)]) {
        for (const [k, v] of source) if (!raw.has(k)) raw.set(k, v)
      }
      const p = new Map([...raw].map(([k, v]) => [k.toLowerCase(), v]))
      const command = p.get('command') ?? ''
      const send = (status: number, payload: Record<string, unknown>): void => {
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
        res.end(JSON.stringify({ [`${command.toLowerCase() || 'error'}response`]: payload }))
      }
      const fail = (errorcode: number, errortext: string): void =>
        send(errorcode, { uuidList: [], errorcode, cserrorcode: errorcode === 431 ? 4350 : 9999, errortext })
      if (!req.url?.startsWith('/client/api')) return fail(404, 'not found')
      const user = options.users.find((u) => u.apiKey === p.get('apikey'))
      if (!user || !verifyCloudStackSignature(raw, user.secretKey, new Date()).ok) {
        rejectedSignatures++
        return fail(401, 'unable to verify user credentials and/or request signature')
      }
      commands.push(command)
      const handler = handlers[command.toLowerCase()]
      if (!handler) return fail(432, 'The given command does not exist or it is not available for user')
      try {
        send(200, handler(p))
      } catch (err) {
        if (err instanceof ApiError) fail(err.errorcode, err.message)
        else fail(530, String(err))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/client/api`,
    resourceState: (id) => hostById(id).resourcestate,
    resourceStateAt(id, at) {
      const history = hostById(id).history
      return [...history].reverse().find((h) => h.at <= at)?.state ?? history[0]!.state
    },
    history: (id) => hostById(id).history.map((h) => h.state),
    vmsOn: (id) => vms.filter((v) => v.host.id === id).map((v) => v.name),
    setResourceState: (id, state) => setState(hostById(id), state),
    failMigrationOf: (name) => void unmovable.add(name),
    failNextJob: (id, text) => void jobFaults.set(hostById(id).id, text),
    commands,
    get rejectedSignatures() {
      return rejectedSignatures
    },
    async close() {
      for (const t of timers) clearTimeout(t)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
