import { Type } from '@sinclair/typebox'

/** Schemas of the routes that feed the web console (they are ordinary API routes, usable by any client). */

const Opt = Type.Optional

export const WhoAmISchema = Type.Object({
  name: Type.String({ description: "the key's name in the API users file" }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('readonly')])
})

const FleetHostSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  hypervisor: Type.String(),
  enabled: Type.Boolean(),
  resourceState: Type.String({
    description: 'Enabled, Disabled, PrepareForMaintenance, Maintenance or ErrorInMaintenance'
  }),
  driver: Opt(Type.String({ description: 'maintenance driver named by the inventory' })),
  vmCount: Opt(Type.Integer({ description: 'running VMs, where the driver reports them (libvirt: its last reading)' })),
  vmsReadAt: Opt(Type.String({ description: 'when that count was read (ISO)' })),
  runId: Opt(Type.String({ description: 'the active run that covers this host' })),
  stage: Opt(Type.String({ description: "where that run is with this host, while it is the cluster's current host" }))
})

export const FleetViewSchema = Type.Object({
  zones: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      pods: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          clusters: Type.Array(
            Type.Object({
              id: Type.String(),
              name: Type.String(),
              runId: Opt(Type.String({ description: 'the active run that holds this cluster' })),
              hosts: Type.Array(FleetHostSchema)
            })
          )
        })
      )
    })
  )
})

const StageSpanSchema = Type.Object({
  stage: Type.String(),
  startedAt: Type.String(),
  finishedAt: Opt(Type.String()),
  outcome: Type.Union(['running', 'ok', 'avoid', 'failed', 'timeout', 'missing'].map((o) => Type.Literal(o))),
  exitCode: Opt(Type.Union([Type.Integer(), Type.Null()])),
  durationMs: Opt(Type.Number()),
  output: Opt(Type.String({ description: 'tail of the stage output' }))
})

export const RunTimelineSchema = Type.Object({
  hosts: Type.Array(
    Type.Object({
      hostId: Type.String(),
      hostName: Type.String(),
      clusterId: Type.String(),
      status: Type.Union(['pending', 'active', 'updated', 'skipped', 'failed'].map((s) => Type.Literal(s))),
      reason: Opt(Type.String()),
      updated: Opt(Type.Boolean()),
      stages: Type.Array(StageSpanSchema)
    })
  ),
  lastEventId: Opt(Type.String({ description: 'follow GET …/events from here (Last-Event-ID) to stay current' })),
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String(),
      type: Type.String(),
      data: Type.Record(Type.String(), Type.Unknown())
    })
  )
})
