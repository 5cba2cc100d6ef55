import { Type, type Static, type TInteger, type TSchema } from '@sinclair/typebox'

/**
 * The inventory's `maintenance:` block (docs/inventory.md#maintenance-drivers), one schema per driver. The inventory file schema only
 * checks that a block is a mapping with a `driver`; each block is then checked against its own
 * driver's schema so an error names the field that is wrong instead of "Expected union value".
 */

const Argv = Type.Array(Type.String(), { minItems: 1, description: 'program and arguments; never run through a shell' })
const Seconds = (description: string): TInteger => Type.Integer({ minimum: 1, description })

export const NoneMaintenanceSchema = Type.Object({ driver: Type.Literal('none') }, { additionalProperties: false })

export const LibvirtMaintenanceSchema = Type.Object(
  {
    driver: Type.Literal('libvirt'),
    libvirtUri: Type.Optional(
      Type.String({ minLength: 1, description: 'how virsh on the host reaches libvirt (qemu:///system)' })
    ),
    migrationUri: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'destination as the SOURCE host reaches it; {target.address}, {target.name}, {target.id}'
      })
    ),
    maxParallelMigrations: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'per evacuating host (2)' })
    ),
    migrationTimeout: Type.Optional(Seconds('seconds per VM; on expiry the migration job is aborted (1800)')),
    reserveMemoryPercent: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 99, description: "of each target's memory, never planned into (10)" })
    ),
    returnVms: Type.Optional(Type.Boolean({ description: 'move the VMs back on exit (false, as CloudStack)' }))
  },
  { additionalProperties: false }
)

export const CloudStackMaintenanceSchema = Type.Object(
  {
    driver: Type.Literal('cloudstack'),
    url: Type.String({ pattern: '^https?://', description: 'the management server API, https://.../client/api' }),
    apiKey: Type.String({ minLength: 1 }),
    secretKeyFile: Type.String({ minLength: 1, description: 'file holding the secret key, read once at start-up' }),
    pollInterval: Type.Optional(
      Type.Number({ minimum: 0.05, maximum: 300, description: 'seconds between listHosts polls (5)' })
    ),
    timeout: Type.Optional(Seconds('seconds to wait for Maintenance / Enabled (3600)'))
  },
  { additionalProperties: false }
)

export const CommandMaintenanceSchema = Type.Object(
  {
    driver: Type.Literal('command'),
    enter: Argv,
    exit: Argv,
    timeout: Type.Optional(Seconds('seconds per command; the process group is killed on expiry (3600)'))
  },
  { additionalProperties: false }
)

/** Documented shape (OpenAPI-style union); validation goes driver by driver, see `maintenanceSchemas`. */
export const MaintenanceBlockSchema = Type.Union([
  NoneMaintenanceSchema,
  LibvirtMaintenanceSchema,
  CloudStackMaintenanceSchema,
  CommandMaintenanceSchema
])

export const MAINTENANCE_DRIVERS = ['none', 'libvirt', 'cloudstack', 'command'] as const
export type MaintenanceDriverKind = (typeof MAINTENANCE_DRIVERS)[number]

export const maintenanceSchemas = {
  none: NoneMaintenanceSchema,
  libvirt: LibvirtMaintenanceSchema,
  cloudstack: CloudStackMaintenanceSchema,
  command: CommandMaintenanceSchema
} as const satisfies Record<MaintenanceDriverKind, TSchema>

/** What the file schema accepts in a `maintenance:` slot before the per-driver check. */
export const MaintenanceSlotSchema = Type.Object(
  { driver: Type.String({ description: MAINTENANCE_DRIVERS.join(' | ') }) },
  { additionalProperties: true, description: 'maintenance driver block (docs/inventory.md#maintenance-drivers)' }
)

export type MaintenanceBlock = Static<typeof MaintenanceBlockSchema>
