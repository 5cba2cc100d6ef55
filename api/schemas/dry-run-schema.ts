import { Type } from '@sinclair/typebox'
import { WindowSchema } from '../../shared/run-view-schema.js'

const Verdict = Type.Union([Type.Literal('fits'), Type.Literal('does-not-fit'), Type.Literal('unknown')])
const Driver = Type.Union(['none', 'libvirt', 'cloudstack', 'command'].map((d) => Type.Literal(d)))
const Capacity = Type.Object({ verdict: Verdict, reason: Type.String() })

const Evacuation = Type.Object({
  verdict: Verdict,
  reason: Type.String(),
  migrations: Type.Array(
    Type.Object({
      vm: Type.String(),
      to: Type.String({ description: 'target host id' }),
      toName: Type.String(),
      memoryMiB: Type.Optional(Type.Integer())
    })
  )
})

const HostPlan = Type.Object({
  hostId: Type.String(),
  hostName: Type.String(),
  action: Type.Union([Type.Literal('maintain'), Type.Literal('skip')]),
  reason: Type.String(),
  maintenanceDriver: Driver,
  evacuation: Type.Optional(Evacuation)
})

const ClusterPlan = Type.Object({
  clusterId: Type.String(),
  clusterName: Type.String(),
  order: Type.Integer({ description: '0-based processing order; up to maxParallelClusters run at once' }),
  activeRunId: Type.Optional(
    Type.String({ description: 'the active run that reserves this cluster (a real start would be refused with 409)' })
  ),
  gate: Type.Optional(Type.Array(Type.String())),
  gateTimeout: Type.Optional(Type.Integer()),
  maintenanceDriver: Driver,
  capacity: Type.Optional(Capacity),
  hosts: Type.Array(HostPlan)
})

/** `200` answer of a start with `dryRun: true` (docs/api.md#operator-controls). */
export const DryRunReply = Type.Object(
  {
    plan: Type.Object({
      hostsTotal: Type.Integer(),
      hostsToMaintain: Type.Integer(),
      hostsToSkip: Type.Integer(),
      wouldStart: Type.Boolean({ description: 'false when a real start would be refused (409) or end at once' }),
      problems: Type.Array(Type.String()),
      controls: Type.Object({
        forced: Type.Boolean(),
        maxFailures: Type.Union([Type.Integer(), Type.Null()], { description: 'null = unlimited (forced)' }),
        canary: Type.Optional(Type.Integer()),
        soakSeconds: Type.Integer(),
        timeout: Type.Integer(),
        maxParallelClusters: Type.Integer(),
        window: Type.Optional(
          Type.Composite([
            WindowSchema,
            Type.Object({
              openNow: Type.Boolean(),
              opensAt: Type.Optional(Type.String()),
              closesAt: Type.Optional(Type.String())
            })
          ])
        )
      }),
      clusters: Type.Array(ClusterPlan)
    })
  },
  { description: 'what a start would do; nothing was created, reserved or run' }
)
