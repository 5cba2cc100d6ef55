import { setTimeout as sleep } from 'node:timers/promises'
import {
  createCloudStackClient,
  type CloudStackClient,
  type CloudStackObject
} from '../../shared/cloudstack/cloudstack-client.js'
import { CloudStackRequestError } from '../../shared/errors/cloudstack-request-error.js'
import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import { createVmWatch, type VmWatch } from './cloudstack-vm-watch.js'
import type { DriverContext, EnterOutcome, ExitOutcome, MaintenanceDriver } from './maintenance-driver.js'

type CloudStackConfig = Extract<MaintenanceConfig, { driver: 'cloudstack' }>
type Wanted = 'Maintenance' | 'Enabled'

export interface CloudStackDriverOptions {
  /** Tests may hand in their own; by default one client per driver, from the config. */
  client?: CloudStackClient
}

/** The VMs CloudStack still has on the host, to say what kept it out of Maintenance. */
async function vmsStillOn(
  client: CloudStackClient,
  hostId: string,
  signal: AbortSignal
): Promise<string[] | undefined> {
  try {
    const vms = await client.listAll('listVirtualMachines', 'virtualmachine', { hostid: hostId, listall: true }, signal)
    return vms.map((v) => String(v.instancename ?? v.name ?? v.id))
  } catch {
    return undefined
  }
}

function jobErrorText(job: CloudStackObject): string {
  const result = job.jobresult as { errortext?: unknown } | undefined
  return typeof result?.errortext === 'string'
    ? result.errortext
    : `CloudStack job ${String(job.jobid)} failed without an error text`
}

/**
 * `driver: cloudstack` (docs/inventory.md#maintenance-drivers): CloudStack itself evacuates the host. Enter = prepareHostForMaintenance,
 * then poll until listHosts shows `Maintenance`; exit = cancelHostMaintenance until `Enabled`. Resumable:
 * every call first reads where CloudStack stands, so a worker taking over mid-way waits on the
 * evacuation already running instead of asking again (CloudStack would refuse: "Host is already in
 * state PrepareForMaintenance"). Network trouble is retried until the deadline; CloudStack's own
 * refusals end the wait at once with its `errortext`.
 */
export function createCloudStackDriver(
  config: CloudStackConfig,
  options: CloudStackDriverOptions = {}
): MaintenanceDriver {
  const client =
    options.client ?? createCloudStackClient({ url: config.url, apiKey: config.apiKey, secretKey: config.secretKey })
  const pollMs = config.pollInterval * 1000

  const readHost = async (hostId: string, signal: AbortSignal): Promise<CloudStackObject | undefined> => {
    const answer = await client.call('listHosts', { id: hostId }, signal)
    return Array.isArray(answer.host) ? (answer.host[0] as CloudStackObject | undefined) : undefined
  }

  /** Drives one host to `wanted`; returns undefined on success, else the reason. */
  const drive = async (ctx: DriverContext, wanted: Wanted, watch?: VmWatch): Promise<string | undefined> => {
    const command = wanted === 'Maintenance' ? 'prepareHostForMaintenance' : 'cancelHostMaintenance'
    const deadline = Date.now() + config.timeout * 1000
    const hostId = ctx.host.id
    let jobId: string | undefined
    let jobDone = false
    let started = false
    let watching = false
    let lastState: string | undefined
    let lastProblem: string | undefined
    for (;;) {
      if (ctx.signal.aborted)
        return `stopped waiting for CloudStack (this worker lost the cluster); the host was ${lastState ?? 'not read yet'}`
      try {
        if (jobId !== undefined && !jobDone) {
          const job = await client.call('queryAsyncJobResult', { jobid: jobId }, ctx.signal)
          if (job.jobstatus === 2) return jobErrorText(job)
          if (job.jobstatus === 1) jobDone = true
        }
        if (jobId === undefined || jobDone) {
          const host = await readHost(hostId, ctx.signal)
          if (!host) return `CloudStack has no host with id ${hostId} (listHosts id=${hostId} returned nothing)`
          const state = String(host.resourcestate)
          if (state !== lastState) ctx.logger.info({ hostId, resourcestate: state }, 'CloudStack resource state')
          lastState = state
          lastProblem = undefined
          if (state === wanted) {
            if (watching) await watch?.poll()
            return undefined
          }
          if (watching) await watch?.poll()
          else {
            // before our prepare call, or where a worker we took over from left off
            await watch?.start()
            watching = true
          }
          const inProgress =
            wanted === 'Maintenance' && (state === 'PrepareForMaintenance' || state === 'ErrorInPrepareForMaintenance')
          if (!inProgress) {
            if (started) {
              if (state === 'ErrorInMaintenance') {
                const left = await vmsStillOn(client, hostId, ctx.signal)
                const which = left && left.length > 0 ? `; VMs still on it: ${left.join(', ')}` : ''
                return `CloudStack put the host in ErrorInMaintenance: not every VM could be migrated off it${which}`
              }
              return `CloudStack's ${command} finished but the host is ${state}, not ${wanted}`
            }
            started = true
            const answer = await client.call(command, { id: hostId }, ctx.signal)
            jobId = typeof answer.jobid === 'string' ? answer.jobid : undefined
            jobDone = jobId === undefined
            ctx.logger.info({ hostId, command, jobId }, 'CloudStack maintenance call accepted')
            continue
          }
        }
      } catch (err) {
        if (!(err instanceof CloudStackRequestError)) throw err
        if (ctx.signal.aborted) continue
        if (!err.transient) return err.errortext
        // the call may or may not have reached CloudStack: read the host again before asking twice
        if (jobId === undefined) started = false
        lastProblem = err.errortext
        ctx.logger.warn({ hostId, command: err.command, problem: err.errortext }, 'CloudStack unreachable, retrying')
      }
      if (Date.now() >= deadline) {
        const why = lastProblem ? `; last error: ${lastProblem}` : ''
        return `CloudStack did not report the host ${wanted} within ${config.timeout} s (resource state ${lastState ?? 'unknown'})${why}`
      }
      try {
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), undefined, { signal: ctx.signal })
      } catch {
        // aborted: reported at the top of the loop
      }
    }
  }

  return {
    kind: 'cloudstack',
    async enter(ctx): Promise<EnterOutcome> {
      const failure = await drive(ctx, 'Maintenance', createVmWatch(client, ctx))
      return failure === undefined
        ? { kind: 'entered', migrated: [] }
        : { kind: 'failed', reason: failure, migrated: [] }
    },
    async exit(ctx): Promise<ExitOutcome> {
      const failure = await drive(ctx, 'Enabled')
      return failure === undefined ? { kind: 'exited' } : { kind: 'failed', reason: failure }
    }
  }
}
