/**
 * Which optional parts of the API this server has (the operator controls, docs/api.md#operator-controls, came later than the rest of docs/api.md), read
 * from its own OpenAPI document, so the console offers exactly what the server accepts.
 */
export interface Capabilities {
  dryRun: boolean
  maxFailures: boolean
  canary: boolean
  soakSeconds: boolean
  window: boolean
  pause: boolean
  resume: boolean
  retry: boolean
}

export const NO_CAPABILITIES: Capabilities = {
  dryRun: false,
  maxFailures: false,
  canary: false,
  soakSeconds: false,
  window: false,
  pause: false,
  resume: false,
  retry: false
}

interface OpenApiDoc {
  paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>
}

const RUNS = '/api/v1/rolling-maintenance'

/** The property names a JSON schema accepts, looking through unions (anyOf/oneOf/allOf). */
function propertyNames(schema: unknown): Set<string> {
  const names = new Set<string>()
  const visit = (s: unknown): void => {
    if (!s || typeof s !== 'object') return
    const o = s as { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[]; allOf?: unknown[] }
    for (const k of Object.keys(o.properties ?? {})) names.add(k)
    for (const sub of [...(o.anyOf ?? []), ...(o.oneOf ?? []), ...(o.allOf ?? [])]) visit(sub)
  }
  visit(schema)
  return names
}

/** Pure: capabilities from the server's `/docs/json`. */
export function capabilitiesFromOpenApi(doc: unknown): Capabilities {
  const paths = (doc as OpenApiDoc | undefined)?.paths ?? {}
  const body = paths[RUNS]?.post?.requestBody?.content?.['application/json']?.schema
  const fields = propertyNames(body)
  const has = (action: string): boolean => paths[`${RUNS}/{id}/${action}`]?.post !== undefined
  return {
    dryRun: fields.has('dryRun'),
    maxFailures: fields.has('maxFailures'),
    canary: fields.has('canary'),
    soakSeconds: fields.has('soakSeconds'),
    window: fields.has('window'),
    pause: has('pause'),
    resume: has('resume'),
    retry: has('retry')
  }
}
