import { Type, type Static } from '@sinclair/typebox'
import { MaintenanceSlotSchema } from './maintenance-schema.js'

const Id = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[^\\s,]+$',
  description: 'any string id without spaces or commas'
})

/** Host fields that `defaults` may set and every host may override. */
const hostFields = {
  user: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  privateKeyPath: Type.String({ minLength: 1 }),
  knownHostsPath: Type.String({ minLength: 1 }),
  hostKey: Type.String({
    pattern: '^(ssh-|ecdsa-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$',
    description: '"<type> <base64>" as ssh-keyscan prints it'
  }),
  hooksDir: Type.String({ minLength: 1 }),
  stateDir: Type.String({ minLength: 1 }),
  bootIdPath: Type.String({ minLength: 1 }),
  executor: Type.Union([Type.Literal('detached'), Type.Literal('direct')], {
    description: 'stage runner: detached (default) or direct'
  }),
  hypervisor: Type.String({ minLength: 1 }),
  enabled: Type.Boolean(),
  maintenance: MaintenanceSlotSchema
}

export const HostDefaultsSchema = Type.Partial(Type.Object(hostFields, { additionalProperties: false }))

export const HostSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    address: Type.String({ minLength: 1 }),
    ...Type.Partial(Type.Object(hostFields)).properties
  },
  { additionalProperties: false }
)

export const ClusterSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    maintenance: Type.Optional(MaintenanceSlotSchema),
    /** docs/api.md#operator-controls: run on the worker before each host of the cluster; exit 0 = go. */
    gate: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'argv run on the worker before each host; exit 0 = go, else retried every 10 s'
      })
    ),
    gateTimeout: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 604_800,
        description: 'seconds a gate may keep failing before the stage Gate fails (default 1800)'
      })
    ),
    hosts: Type.Array(HostSchema)
  },
  { additionalProperties: false }
)

export const PodSchema = Type.Object(
  { id: Id, name: Type.String({ minLength: 1 }), clusters: Type.Array(ClusterSchema) },
  { additionalProperties: false }
)

export const ZoneSchema = Type.Object(
  { id: Id, name: Type.String({ minLength: 1 }), pods: Type.Array(PodSchema) },
  { additionalProperties: false }
)

export const InventoryFileSchema = Type.Object(
  { defaults: Type.Optional(HostDefaultsSchema), zones: Type.Array(ZoneSchema, { minItems: 1 }) },
  { additionalProperties: false }
)

export type InventoryFile = Static<typeof InventoryFileSchema>
export type InventoryHost = Static<typeof HostSchema>
export type InventoryDefaults = Static<typeof HostDefaultsSchema>
