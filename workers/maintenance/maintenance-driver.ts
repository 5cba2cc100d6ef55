import type { Logger } from 'pino'
import type { VmEvent } from '../../shared/run-event.js'
import type { HostConfig } from '../../shared/types.js'
import type { HostSession } from '../host-executor.js'

/** One VM moved off the evacuating host (docs/api.md#the-result: `migrated` in the host's `hostsupdated` entry). */
export interface Migration {
  vm: string
  /** Host id of the target. */
  to: string
  durationMs: number
}

/** Progress of one VM, appended to the run's event stream (docs/api.md#the-result); shapes in `shared/run-event.ts`. */
export type { VmEvent }

export type EnterOutcome =
  | { kind: 'entered'; migrated: Migration[] }
  /** `reason` as docs/inventory.md#libvirt words it: the VM, the target and libvirt's error, or memory needed vs most free. */
  | { kind: 'failed'; reason: string; migrated: Migration[] }

export type ExitOutcome = { kind: 'exited' } | { kind: 'failed'; reason: string }

export interface DriverContext {
  runId: string
  /** The run's payload (docs/stage-scripts.md `ROLLMAINT_PAYLOAD`), handed to the command driver's commands. */
  payload?: string | undefined
  /** The host entering or leaving maintenance mode. */
  host: HostConfig
  /** Every inventory host of its cluster, in inventory order (the host itself included). */
  clusterHosts: readonly HostConfig[]
  /**
   * Hosts of the cluster that must not receive VMs whatever the inventory says (resource state not
   * `Enabled`: in or entering maintenance, ErrorInMaintenance). Read by the caller from the store.
   */
  unavailableHostIds: ReadonlySet<string>
  /** Open session to `host`. */
  session: HostSession
  /** Sessions to other hosts (targets); the driver closes what it opens. */
  openSession(host: HostConfig): Promise<HostSession>
  /** vm.migrating / vm.migrated / vm.migration-failed; the caller records vm.migrated durably. */
  emit(event: VmEvent): Promise<void>
  /**
   * After a takeover: VMs an earlier attempt announced (`vm.migrating`) without recording them
   * migrated. The driver finds out where they ended up instead of assuming anything.
   */
  announced?: ReadonlyArray<{ vm: string; to: string }> | undefined
  /** For `exit`: what `enter` moved away (libvirt `returnVms: true` moves them back). */
  migrated?: readonly Migration[] | undefined
  logger: Logger
  /** Aborted when the cluster lease is lost: stop starting migrations, return promptly. */
  signal: AbortSignal
}

/**
 * How a host enters and leaves maintenance mode (docs/inventory.md#maintenance-drivers). Both calls are idempotent: a worker that
 * takes over a host mid-evacuation calls `enter` again, and the driver re-reads where every VM runs
 * instead of trusting anything remembered; it never starts a second migration of a VM whose first
 * one is still in flight.
 */
export interface MaintenanceDriver {
  readonly kind: 'none' | 'libvirt' | 'cloudstack' | 'command'
  enter(ctx: DriverContext): Promise<EnterOutcome>
  exit(ctx: DriverContext): Promise<ExitOutcome>
}
