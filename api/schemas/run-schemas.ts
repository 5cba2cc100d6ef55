import { Type, type Static } from '@sinclair/typebox'
import { MAX_FAILURES_LIMIT, MAX_SOAK_SECONDS } from '../../shared/controls/controls-problems.js'
import { WEEKDAYS } from '../../shared/controls/maintenance-window.js'
import { REQUEST_LIMITS } from '../../shared/request-limits.js'
import { AuditEntrySchema, ClusterWaitSchema, progressControlFields, RunStatusSchema } from './run-control-schemas.js'

const IdList = Type.Union(
  [
    Type.Array(Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.idMaxLength }), { maxItems: REQUEST_LIMITS.idListMaxItems }),
    Type.String({ maxLength: REQUEST_LIMITS.idListMaxChars, description: 'comma-separated ids' }),
  ],
  { description: 'ids as a list or a comma-separated string' },
)

const Weekday = Type.Union(WEEKDAYS.map((d) => Type.Literal(d)))
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour, in the window\'s time zone' })

export const WindowSchema = Type.Object(
  {
    days: Type.Optional(
      Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true, description: 'days on which the window opens (default: every day)' }),
    ),
    start: HHMM,
    end: Type.String({ ...HHMM, description: 'HH:MM; earlier than start = the window ends the next day (e.g. 22:00-05:00)' }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  },
  { additionalProperties: false, description: 'a new host starts only inside this window; outside it the run waits' },
)

/** Spec 9 controls: fields of a start request, echoed in the run's `request`. */
const controlFields = {
  maxFailures: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_FAILURES_LIMIT, description: 'host failures handled as with forced before the next one stops the run (default 0; forced = unlimited)' }),
  ),
  canary: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FAILURES_LIMIT, description: 'pause the run once this many hosts are updated (at most the hosts in the run)' })),
  soakSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SOAK_SECONDS, description: "seconds a cluster waits after a host's PostMaintenance before its next host" })),
  window: Type.Optional(WindowSchema),
}

export const CreateRunBody = Type.Object(
  {
    zoneids: Type.Optional(IdList),
    podids: Type.Optional(IdList),
    clusterids: Type.Optional(IdList),
    hostids: Type.Optional(IdList),
    forced: Type.Optional(Type.Boolean({ description: 'skip failing hosts instead of failing the run' })),
    payload: Type.Optional(Type.String({ maxLength: REQUEST_LIMITS.payloadMaxBytes, description: 'passed verbatim to every stage script as $1 (at most 64 KiB, no NUL)' })),
    timeout: Type.Optional(Type.Integer({ minimum: REQUEST_LIMITS.timeoutMinSec, maximum: REQUEST_LIMITS.timeoutMaxSec, description: 'stage timeout in seconds' })),
    ...controlFields,
    dryRun: Type.Optional(
      Type.Boolean({ description: 'answer 200 {plan}: per cluster, each host with action and reason; no run is created, nothing runs, no cluster is reserved' }),
    ),
  },
  { additionalProperties: false },
)
export type CreateRunBody = Static<typeof CreateRunBody>

export const ErrorReply = Type.Object(
  { error: Type.String(), message: Type.String(), conflicts: Type.Optional(Type.Array(Type.Any())) },
  { $id: 'ErrorReply' },
)

const HostUpdated = Type.Object(
  {
    hostid: Type.String(),
    hostname: Type.String(),
    startdate: Type.String(),
    enddate: Type.String(),
    output: Type.String(),
    migrated: Type.Optional(
      Type.Array(Type.Object({ vm: Type.String(), to: Type.String({ description: 'target host id' }), durationMs: Type.Integer() }), {
        description: 'VMs the maintenance driver moved off the host before its Maintenance script (spec 8.5)',
      }),
    ),
  },
  { additionalProperties: true },
)
const HostSkipped = Type.Object({ hostid: Type.String(), hostname: Type.String(), reason: Type.String() }, { additionalProperties: true })

export const RollingMaintenanceResult = Type.Object({
  rollingmaintenance: Type.Object({
    details: Type.String(),
    hostsskipped: Type.Array(HostSkipped),
    hostsupdated: Type.Array(HostUpdated),
    success: Type.Boolean(),
  }),
})

const RunRequest = Type.Object({
  zoneids: Type.Array(Type.String()),
  podids: Type.Array(Type.String()),
  clusterids: Type.Array(Type.String()),
  hostids: Type.Array(Type.String()),
  forced: Type.Boolean(),
  payload: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer()),
  ...controlFields,
})

const Optional = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(t)

export const RunViewSchema = Type.Object({
  id: Type.String(),
  status: RunStatusSchema,
  request: RunRequest,
  createdAt: Type.String(),
  startedAt: Optional(Type.String()),
  finishedAt: Optional(Type.String()),
  progress: Type.Object({
    hostsTotal: Type.Integer(),
    hostsDone: Type.Integer(),
    hostsUpdated: Type.Integer(),
    hostsSkipped: Type.Integer(),
    clusters: Type.Array(
      Type.Object({
        clusterId: Type.String(),
        clusterName: Type.String(),
        hostsTotal: Type.Integer(),
        hostsDone: Type.Integer(),
        currentHostId: Optional(Type.String()),
        currentHostName: Optional(Type.String()),
        currentStage: Optional(Type.String()),
        waiting: Type.Optional(ClusterWaitSchema),
      }),
    ),
    ...progressControlFields,
  }),
  result: Type.Optional(RollingMaintenanceResult),
  retryOf: Optional(Type.String({ description: 'the run this one retries' })),
  audit: Type.Array(AuditEntrySchema, { description: 'who started, paused, resumed, cancelled or retried the run' }),
})

export const HostViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  zoneId: Type.String(),
  podId: Type.String(),
  clusterId: Type.String(),
  hypervisor: Type.String(),
  resourceState: Type.String({ description: 'Enabled, Disabled, PrepareForMaintenance, Maintenance or ErrorInMaintenance' }),
  runId: Optional(Type.String()),
  since: Optional(Type.String()),
})

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.idMaxLength }) })

/** `"a, b,,a"` or `["a","b"]` → `["a","b"]`: trimmed, no empties, no repeats. */
export function normaliseIds(value: string | string[] | undefined): string[] {
  const parts = (typeof value === 'string' ? [value] : (value ?? [])).flatMap((v) => v.split(','))
  return [...new Set(parts.map((p) => p.trim()).filter((p) => p !== ''))]
}
