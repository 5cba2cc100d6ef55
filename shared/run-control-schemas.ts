import { Type } from '@sinclair/typebox'
import { RUN_STATUSES } from './types.js'

/** Parts of the run view that the operator controls (docs/api.md#operator-controls) add: status, audit, pause, waits, budget. */
export const RunStatusSchema = Type.Union(
  RUN_STATUSES.map((s) => Type.Literal(s)),
  { description: 'paused: no new host starts until resumed (hosts in their cycle finish it)' }
)

export const AuditEntrySchema = Type.Object({
  action: Type.Union(['started', 'paused', 'resumed', 'cancelled', 'retried'].map((a) => Type.Literal(a))),
  by: Type.Optional(
    Type.String({ description: "the API key's name; absent when rollmaint acted itself (the canary pause)" })
  ),
  at: Type.String(),
  reason: Type.Optional(Type.String()),
  runId: Type.Optional(Type.String({ description: 'retried: the new run; started: the run it retries' }))
})

export const PauseStateSchema = Type.Object({
  reason: Type.Union([Type.Literal('operator'), Type.Literal('canary')]),
  by: Type.Optional(Type.String()),
  at: Type.String()
})

export const ClusterWaitSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('paused') }),
    Type.Object({ kind: Type.Literal('window'), opensAt: Type.String() }),
    Type.Object({ kind: Type.Literal('soak'), until: Type.String() }),
    Type.Object({
      kind: Type.Literal('gate'),
      since: Type.String(),
      attempts: Type.Integer(),
      lastExitCode: Type.Union([Type.Integer(), Type.Null()]),
      output: Type.String(),
      giveUpAt: Type.String()
    })
  ],
  { description: 'why the cluster does not start its next host now' }
)

/** Fields of `progress` the controls add. */
export const progressControlFields = {
  message: Type.Optional(
    Type.String({ description: 'e.g. "paused by ops", "waiting for window, opens 2026-11-25T22:00:00+01:00"' })
  ),
  paused: Type.Optional(PauseStateSchema),
  failures: Type.Object(
    { count: Type.Integer(), max: Type.Union([Type.Integer(), Type.Null()]) },
    { description: 'host failures so far and how many maxFailures allows (null: unlimited, forced)' }
  ),
  canary: Type.Optional(Type.Object({ size: Type.Integer(), reached: Type.Boolean() })),
  window: Type.Optional(
    Type.Object({ open: Type.Boolean(), opensAt: Type.Optional(Type.String()), closesAt: Type.Optional(Type.String()) })
  )
}
