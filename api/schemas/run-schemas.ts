import { Type, type Static } from '@sinclair/typebox'
import { REQUEST_LIMITS } from '../../shared/request-limits.js'
import { controlFields } from '../../shared/run-view-schema.js'

const IdList = Type.Union(
  [
    Type.Array(Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.idMaxLength }), {
      maxItems: REQUEST_LIMITS.idListMaxItems
    }),
    Type.String({ maxLength: REQUEST_LIMITS.idListMaxChars, description: 'comma-separated ids' })
  ],
  { description: 'ids as a list or a comma-separated string' }
)

export const CreateRunBody = Type.Object(
  {
    zoneids: Type.Optional(IdList),
    podids: Type.Optional(IdList),
    clusterids: Type.Optional(IdList),
    hostids: Type.Optional(IdList),
    forced: Type.Optional(Type.Boolean({ description: 'skip failing hosts instead of failing the run' })),
    payload: Type.Optional(
      Type.String({
        maxLength: REQUEST_LIMITS.payloadMaxBytes,
        description: 'passed verbatim to every stage script as $1 (at most 64 KiB, no NUL)'
      })
    ),
    timeout: Type.Optional(
      Type.Integer({
        minimum: REQUEST_LIMITS.timeoutMinSec,
        maximum: REQUEST_LIMITS.timeoutMaxSec,
        description: 'stage timeout in seconds'
      })
    ),
    ...controlFields,
    dryRun: Type.Optional(
      Type.Boolean({
        description:
          'answer 200 {plan}: per cluster, each host with action and reason; no run is created, nothing runs, no cluster is reserved'
      })
    )
  },
  { additionalProperties: false }
)
export type CreateRunBody = Static<typeof CreateRunBody>

export const ErrorReply = Type.Object(
  { error: Type.String(), message: Type.String(), conflicts: Type.Optional(Type.Array(Type.Any())) },
  { $id: 'ErrorReply' }
)

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.idMaxLength }) })

/** `"a, b,,a"` or `["a","b"]` → `["a","b"]`: trimmed, no empties, no repeats. */
export function normaliseIds(value: string | string[] | undefined): string[] {
  const parts = (typeof value === 'string' ? [value] : (value ?? [])).flatMap((v) => v.split(','))
  return [...new Set(parts.map((p) => p.trim()).filter((p) => p !== ''))]
}
