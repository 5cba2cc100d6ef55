/**
 * A run as lanes of hosts, each with its stages on a time line: what the web console draws.
 * Pure and free of Node APIs: the API builds a snapshot from the run's host records and event
 * stream, and the browser keeps it current by folding the same events from the SSE stream through
 * the same `applyRunEvent`, so both sides can never disagree on what an event means.
 */
import { closeModeSpan, noteVmEvent, openModeSpan } from './run-timeline-mode-spans.js'

/** How one stage ended, as a colour and an icon in the console. */
export type StageOutcome = 'running' | 'ok' | 'avoid' | 'failed' | 'timeout' | 'missing'

export interface StageSpan {
  stage: string
  startedAt: string
  finishedAt?: string | undefined
  outcome: StageOutcome
  exitCode?: number | null | undefined
  durationMs?: number | undefined
  /** The last lines of the stage's output (stdout and stderr), when the worker sent them. */
  output?: string | undefined
}

export type LaneStatus = 'pending' | 'active' | 'updated' | 'skipped' | 'failed'

export interface HostLane {
  hostId: string
  hostName: string
  clusterId: string
  status: LaneStatus
  /** Why the host was skipped or failed. */
  reason?: string | undefined
  /** Set once its Maintenance succeeded, also when a later PostMaintenance failure skipped it. */
  updated?: boolean | undefined
  stages: StageSpan[]
}

/** An event as the console lists it: the stream's own data without stage output (shown per stage). */
export interface TimelineEvent {
  id: string
  at: string
  type: string
  data: Record<string, unknown>
}

export interface RunTimeline {
  hosts: HostLane[]
  /** Stream id of the last event folded in: the console follows the SSE stream from there. */
  lastEventId?: string | undefined
  /** The most recent events, oldest first (at most EVENTS_KEPT). */
  events: TimelineEvent[]
}

export const EVENTS_KEPT = 300
/** Stage output kept per stage in an event; a tail, as the console shows it. */
export const OUTPUT_TAIL_CHARS = 2000

/** The last `max` characters of a stage's output, starting at a line boundary when one is near. */
export function outputTail(output: string, max = OUTPUT_TAIL_CHARS): string {
  if (output.length <= max) return output
  const cut = output.slice(output.length - max)
  const nl = cut.indexOf('\n')
  return nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut
}

/** The output tail a `stage.finished` event carries (a missing script has none). */
export function stageOutputTail(result: { kind: string; output?: string }): string | undefined {
  return result.output === undefined || result.output === '' ? undefined : outputTail(result.output)
}

/** Redis stream ids start with the append time in milliseconds. */
export function eventTime(id: string): string {
  const ms = Number(id.split('-')[0])
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString()
}

const AVOIDABLE = new Set(['PreFlight', 'PreMaintenance'])

/** What a `stage.finished` event's `result` and `exitCode` mean (docs/stage-scripts.md: 0 ok, 70 = nothing to do). */
export function stageOutcome(stage: string, result: unknown, exitCode: unknown): StageOutcome {
  if (result === 'missing') return 'missing'
  if (result === 'timeout') return 'timeout'
  if (result !== 'exited') return 'failed'
  if (exitCode === 0) return 'ok'
  if (exitCode === 70 && AVOIDABLE.has(stage)) return 'avoid'
  return 'failed'
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

type MutableLanes = { hosts: HostLane[]; index: Map<string, number> }

/**
 * The lane an event is about, copied so the caller may change it (a host the timeline has not seen
 * yet, e.g. of a run started elsewhere, gets a new lane).
 */
function laneFor(lanes: MutableLanes, data: Record<string, unknown>): HostLane | undefined {
  const hostId = str(data.hostId)
  if (!hostId) return undefined
  const i = lanes.index.get(hostId)
  if (i === undefined) {
    const lane: HostLane = {
      hostId,
      hostName: str(data.hostName) ?? hostId,
      clusterId: str(data.clusterId) ?? '',
      status: 'pending',
      stages: []
    }
    lanes.index.set(hostId, lanes.hosts.length)
    lanes.hosts.push(lane)
    return lane
  }
  const copy = { ...lanes.hosts[i]!, stages: [...lanes.hosts[i]!.stages] }
  lanes.hosts[i] = copy
  return copy
}

function foldEvent(
  lanes: MutableLanes,
  event: { id: string; type: string; data: Record<string, unknown> },
  at: string
): void {
  const { data } = event
  switch (event.type) {
    case 'stage.started': {
      const stage = str(data.stage)
      const lane = stage ? laneFor(lanes, data) : undefined
      if (!lane || !stage) break
      // A stage re-attached after a worker takeover is announced again: keep the first start.
      const open = lane.stages.find((s) => s.stage === stage && s.outcome === 'running')
      if (!open) lane.stages.push({ stage, startedAt: at, outcome: 'running' })
      if (lane.status === 'pending') lane.status = 'active'
      if (stage === 'Maintenance') closeModeSpan(lane, 'EnterMaintenance', at, true)
      if (stage === 'PostMaintenance') closeModeSpan(lane, 'ExitMaintenance', at, true)
      break
    }
    case 'stage.finished': {
      const stage = str(data.stage)
      const lane = stage ? laneFor(lanes, data) : undefined
      if (!lane || !stage) break
      const durationMs = num(data.durationMs)
      const finished: StageSpan = {
        stage,
        startedAt: durationMs !== undefined ? new Date(Date.parse(at) - durationMs).toISOString() : at,
        finishedAt: at,
        outcome: stageOutcome(stage, data.result, data.exitCode),
        exitCode: typeof data.exitCode === 'number' || data.exitCode === null ? data.exitCode : undefined,
        durationMs,
        output: str(data.output)
      }
      const i = lane.stages.findIndex((s) => s.stage === stage && s.outcome === 'running')
      if (i >= 0) lane.stages[i] = { ...finished, startedAt: lane.stages[i]!.startedAt }
      else lane.stages.push(finished)
      // PreFlight runs everywhere first; after it a host waits for its turn in the cluster.
      if (stage === 'PreFlight' && lane.status === 'active') lane.status = 'pending'
      // Maintenance mode is entered after a good PreMaintenance and always left after Maintenance (docs/user-guide.md#the-host-cycle).
      if (stage === 'PreMaintenance' && (finished.outcome === 'ok' || finished.outcome === 'missing'))
        openModeSpan(lane, 'EnterMaintenance', at)
      if (stage === 'Maintenance') openModeSpan(lane, 'ExitMaintenance', at)
      break
    }
    case 'host.updated': {
      const lane = laneFor(lanes, data)
      if (!lane) break
      Object.assign(lane, { status: 'updated', updated: true })
      closeModeSpan(lane, 'ExitMaintenance', at, true)
      break
    }
    case 'host.skipped': {
      const lane = laneFor(lanes, data)
      if (!lane) break
      const reason = str(data.reason)
      Object.assign(lane, { status: 'skipped', reason })
      closeModeSpan(lane, 'EnterMaintenance', at, false, reason)
      closeModeSpan(lane, 'ExitMaintenance', at, true)
      break
    }
    case 'host.failed': {
      const lane = laneFor(lanes, data)
      if (!lane) break
      const stage = str(data.stage)
      const message = str(data.message) ?? ''
      Object.assign(lane, { status: 'failed', reason: stage ? `${stage} failed: ${message}` : message })
      closeModeSpan(lane, 'EnterMaintenance', at, false, message)
      // A failed Maintenance stage still leaves maintenance mode; only an exit that failed is a failed exit.
      closeModeSpan(
        lane,
        'ExitMaintenance',
        at,
        stage !== 'ExitMaintenance',
        stage === 'ExitMaintenance' ? message : undefined
      )
      break
    }
    case 'vm.migrating':
    case 'vm.migrated':
    case 'vm.migration-failed': {
      const lane = laneFor(lanes, data)
      const to = str(data.toName) ?? str(data.to) ?? '?'
      const took = num(data.durationMs)
      const line =
        event.type === 'vm.migrating'
          ? `${str(data.vm)} → ${to}: migrating`
          : event.type === 'vm.migrated'
            ? `${str(data.vm)} → ${to}: migrated${took !== undefined ? ` in ${(took / 1000).toFixed(1)} s` : ''}`
            : `${str(data.vm)} → ${to}: FAILED ${str(data.reason) ?? ''}`
      if (lane) noteVmEvent(lane, line)
      break
    }
    default:
      // run.* and event types added later only go to the event list.
      break
  }
}

function listed(event: { id: string; type: string; data: Record<string, unknown> }, at: string): TimelineEvent {
  const { output: _output, ...data } = event.data
  return { id: event.id, at, type: event.type, data }
}

const indexOf = (hosts: HostLane[]): Map<string, number> => new Map(hosts.map((h, i) => [h.hostId, i]))

/**
 * Folds one event into the timeline and returns a new timeline; the input is left as it was (the
 * lane the event is about is copied), so UI state can hold on to the old one.
 */
export function applyRunEvent(
  timeline: RunTimeline,
  event: { id: string; type: string; data: Record<string, unknown> }
): RunTimeline {
  const at = eventTime(event.id)
  const lanes: MutableLanes = { hosts: [...timeline.hosts], index: indexOf(timeline.hosts) }
  foldEvent(lanes, event, at)
  const events = [...timeline.events, listed(event, at)].slice(-EVENTS_KEPT)
  return { hosts: lanes.hosts, lastEventId: event.id, events }
}

/** Where a host's own record says it is, for hosts seen before their events (or after the stream was trimmed). */
export interface HostRecordSummary {
  hostId: string
  hostName: string
  clusterId: string
  phase: string
  updated?: unknown
  skipped?: { reason: string } | undefined
  failure?: { stage: string; message: string } | undefined
}

/** Lanes from the run's host records, in the given order (the inventory's). */
export function lanesFromRecords(records: HostRecordSummary[]): HostLane[] {
  return records.map((r) => {
    const status: LaneStatus = r.failure
      ? 'failed'
      : r.skipped
        ? 'skipped'
        : r.updated
          ? 'updated'
          : r.phase === 'pending' || r.phase === 'ready'
            ? 'pending'
            : r.phase === 'done'
              ? 'pending' // ended without an outcome of its own (the run stopped before it)
              : 'active'
    return {
      hostId: r.hostId,
      hostName: r.hostName,
      clusterId: r.clusterId,
      status,
      reason: r.failure ? `${r.failure.stage} failed: ${r.failure.message}` : r.skipped?.reason,
      updated: r.updated ? true : undefined,
      stages: []
    }
  })
}

/** The snapshot the API serves: lanes from the records, stages and statuses from every event so far. */
export function buildRunTimeline(
  records: HostRecordSummary[],
  events: Array<{ id: string; type: string; data: Record<string, unknown> }>
): RunTimeline {
  const fromRecords = lanesFromRecords(records)
  const lanes: MutableLanes = { hosts: [...fromRecords], index: indexOf(fromRecords) }
  for (const e of events) foldEvent(lanes, e, eventTime(e.id))
  // The records are the truth for how a host ended (events may have been trimmed from the stream).
  const byId = new Map(fromRecords.map((l) => [l.hostId, l]))
  const hosts = lanes.hosts.map((lane) => {
    const rec = byId.get(lane.hostId)
    if (!rec || rec.status === 'pending' || rec.status === 'active') return lane
    return { ...lane, status: rec.status, reason: rec.reason ?? lane.reason, updated: rec.updated ?? lane.updated }
  })
  const kept = events.slice(-EVENTS_KEPT)
  return { hosts, lastEventId: events.at(-1)?.id, events: kept.map((e) => listed(e, eventTime(e.id))) }
}
