import type { Static } from '@sinclair/typebox'
import type { ClusterWaitSchema } from './run-control-schemas.js'
import type { HostViewSchema, RunViewSchema } from './run-view-schema.js'

/** What the API shows of a run (docs/api.md: `GET /api/v1/rolling-maintenance/:id`), derived from its schema. */
export type RunView = Static<typeof RunViewSchema>
export type RunProgress = RunView['progress']
export type ClusterProgress = RunProgress['clusters'][number]
/** Why a cluster does not start its next host right now (docs/api.md#operator-controls). */
export type ClusterWait = Static<typeof ClusterWaitSchema>
export type HostView = Static<typeof HostViewSchema>
