import type { RollingMaintenanceResult, RunStatus, StageName } from './types.js'

/**
 * What each event type of a run's stream carries (the SSE `data`). One map, so the writer
 * (`emitRunEvent`) and every reader (SSE, CLI, demo) agree on the shape at compile time.
 */
export interface RunEventData {
  'run.started': { hosts: number; clusters: number }
  'stage.started': { hostId: string; hostName: string; clusterId: string; stage: StageName }
  'stage.finished': {
    hostId: string
    hostName: string
    clusterId: string
    stage: StageName
    /** How the stage ended (`StageResult['kind']` of the executor). */
    result: 'missing' | 'exited' | 'timeout' | 'vanished'
    exitCode: number | null
    durationMs: number
    /** The last lines of the stage's output, for the console (`shared/run-timeline.ts`). */
    output?: string | undefined
  }
  'host.updated': { hostId: string; hostName: string; startdate: string; enddate: string; output: string; seq: number }
  'host.skipped': { hostId: string; hostName: string; reason: string }
  'host.failed': { hostId: string; hostName: string; stage: string; message: string }
  /** Maintenance drivers (docs/api.md#the-result): a VM leaves the host entering maintenance (`to`: target host id). */
  'vm.migrating': { hostId: string; hostName: string; vm: string; to: string; toName: string; memoryMiB: number }
  'vm.migrated': {
    hostId: string
    hostName: string
    vm: string
    to: string
    toName: string
    durationMs: number
    /** Guest pause at switch-over as libvirt measured it (`domjobinfo --completed`), when known. */
    downtimeMs?: number | undefined
  }
  'vm.migration-failed': { hostId: string; hostName: string; vm: string; to: string; toName: string; reason: string }
  'run.finished': { status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>; result: RollingMaintenanceResult }
  /** docs/api.md#operator-controls: no new host starts; `by` is the key name (absent when rollmaint paused it, e.g. after the canary). */
  'run.paused': { reason: PauseReason; by?: string | undefined; updated?: number | undefined }
  'run.resumed': { by: string }
  /** A cluster waits for the maintenance window before its next host (`opensAt` in the window's zone). */
  'run.waiting-window': { clusterId: string; opensAt: string }
  /** The cluster's gate did not pass for the next host; it is tried again at `retryAt` (ISO). */
  'gate.waiting': {
    clusterId: string
    hostId: string
    hostName: string
    attempts: number
    exitCode: number | null
    output: string
    retryAt: string
  }
  'gate.passed': { clusterId: string; hostId: string; hostName: string; attempts: number; waitedMs: number }
}

export type PauseReason = 'operator' | 'canary'

export type RunEventType = keyof RunEventData

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'run.started',
  'stage.started',
  'stage.finished',
  'host.updated',
  'host.skipped',
  'host.failed',
  'vm.migrating',
  'vm.migrated',
  'vm.migration-failed',
  'run.paused',
  'run.resumed',
  'run.waiting-window',
  'gate.waiting',
  'gate.passed',
  'run.finished'
]

/** An event before it is stored: the `type` decides the shape of `data`. */
export type RunEventBody = { [K in RunEventType]: { type: K; data: RunEventData[K] } }[RunEventType]

/** One entry of a run's event stream, as the SSE endpoint sends it (`id` is the Redis stream id). */
export type RunEvent = RunEventBody & { id: string }

export type VmEventType = 'vm.migrating' | 'vm.migrated' | 'vm.migration-failed'

/** The events a maintenance driver emits, flat (`{type, ...data}`) as drivers build them. */
export type VmEvent = { [K in VmEventType]: { type: K } & RunEventData[K] }[VmEventType]

const KNOWN = new Set<string>(RUN_EVENT_TYPES)

export function isRunEventType(type: string): type is RunEventType {
  return KNOWN.has(type)
}

/**
 * An event read back from the stream or an SSE message. The data was written by `emitRunEvent`
 * from the same types, so only the type name is checked; an unknown type (a newer server) is
 * undefined, which readers pass over.
 */
export function toRunEvent(id: string, type: string, data: unknown): RunEvent | undefined {
  if (!isRunEventType(type) || typeof data !== 'object' || data === null) return undefined
  return { id, type, data } as RunEvent
}

export interface RunEventStream extends AsyncIterable<RunEvent> {
  close(): void
}
