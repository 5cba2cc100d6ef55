import { Type } from '@sinclair/typebox'
import { MAX_FAILURES_LIMIT, MAX_SOAK_SECONDS } from './controls/controls-problems.js'
import { WEEKDAYS } from './controls/maintenance-window.js'
import { AuditEntrySchema, ClusterWaitSchema, progressControlFields, RunStatusSchema } from './run-control-schemas.js'
import { HOST_RESOURCE_STATES, STAGES } from './types.js'

/*
 * What the API shows of runs and hosts (docs/api.md#runs and docs/api.md#operator-controls), as TypeBox schemas: the routes validate and
 * document their replies with them, and `run-view.ts` derives the TypeScript types from them, so
 * the two cannot drift apart.
 */

const CURRENT_STAGES = [...STAGES, 'EnterMaintenance', 'ExitMaintenance'] as const

const Weekday = Type.Union(WEEKDAYS.map((d) => Type.Literal(d)))
const HHMM = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: "HH:MM, 24-hour, in the window's time zone"
})

export const WindowSchema = Type.Object(
  {
    days: Type.Optional(
      Type.Array(Weekday, {
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
        description: 'days on which the window opens (default: every day)'
      })
    ),
    start: HHMM,
    end: Type.String({
      ...HHMM,
      description: 'HH:MM; earlier than start = the window ends the next day (e.g. 22:00-05:00)'
    }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' })
  },
  { additionalProperties: false, description: 'a new host starts only inside this window; outside it the run waits' }
)

/** Controls (docs/api.md#operator-controls): fields of a start request, echoed in the run's `request`. */
export const controlFields = {
  maxFailures: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_FAILURES_LIMIT,
      description:
        'host failures handled as with forced before the next one stops the run (default 0; forced = unlimited)'
    })
  ),
  canary: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_FAILURES_LIMIT,
      description: 'pause the run once this many hosts are updated (at most the hosts in the run)'
    })
  ),
  soakSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_SOAK_SECONDS,
      description: "seconds a cluster waits after a host's PostMaintenance before its next host"
    })
  ),
  window: Type.Optional(WindowSchema)
}

const HostUpdated = Type.Object(
  {
    hostid: Type.String(),
    hostname: Type.String(),
    startdate: Type.String(),
    enddate: Type.String(),
    output: Type.String(),
    migrated: Type.Optional(
      Type.Array(
        Type.Object({
          vm: Type.String(),
          to: Type.String({ description: 'target host id' }),
          durationMs: Type.Integer()
        }),
        {
          description:
            'VMs the maintenance driver moved off the host before its Maintenance script (docs/api.md#the-result)'
        }
      )
    )
  },
  { additionalProperties: true }
)
const HostSkipped = Type.Object(
  { hostid: Type.String(), hostname: Type.String(), reason: Type.String() },
  { additionalProperties: true }
)

export const RollingMaintenanceResult = Type.Object({
  rollingmaintenance: Type.Object({
    details: Type.String(),
    hostsskipped: Type.Array(HostSkipped),
    hostsupdated: Type.Array(HostUpdated),
    success: Type.Boolean()
  })
})

/** A run's request as stored and shown (ids as lists, `forced` explicit). */
export const RunRequestSchema = Type.Object({
  zoneids: Type.Array(Type.String()),
  podids: Type.Array(Type.String()),
  clusterids: Type.Array(Type.String()),
  hostids: Type.Array(Type.String()),
  forced: Type.Boolean(),
  payload: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer()),
  ...controlFields
})

const Optional = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(t)

export const RunViewSchema = Type.Object({
  id: Type.String(),
  status: RunStatusSchema,
  request: RunRequestSchema,
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
        currentStage: Type.Optional(
          Type.Union(
            CURRENT_STAGES.map((s) => Type.Literal(s)),
            { description: 'a stage, EnterMaintenance or ExitMaintenance' }
          )
        ),
        waiting: Type.Optional(ClusterWaitSchema)
      })
    ),
    ...progressControlFields
  }),
  result: Type.Optional(RollingMaintenanceResult),
  retryOf: Optional(Type.String({ description: 'the run this one retries' })),
  audit: Type.Array(AuditEntrySchema, { description: 'who started, paused, resumed, cancelled or retried the run' })
})

export const HostViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  zoneId: Type.String(),
  podId: Type.String(),
  clusterId: Type.String(),
  hypervisor: Type.String(),
  resourceState: Type.Union(HOST_RESOURCE_STATES.map((s) => Type.Literal(s))),
  runId: Optional(Type.String()),
  since: Optional(Type.String())
})
