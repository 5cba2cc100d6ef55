import os from 'node:os'
import path from 'node:path'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import {
  MAINTENANCE_DRIVERS,
  maintenanceSchemas,
  type MaintenanceBlock,
  type MaintenanceDriverKind
} from './maintenance-schema.js'
import { COMMAND_PLACEHOLDERS, MIGRATION_URI_PLACEHOLDERS, unknownPlaceholders } from './placeholders.js'
import { Secret } from './secret.js'

/** A host's maintenance driver with every default applied (docs/inventory.md#maintenance-drivers). Durations are in seconds, as in the file. */
export type MaintenanceConfig =
  | { driver: 'none' }
  | {
      driver: 'libvirt'
      libvirtUri: string
      /** May contain `{target.address}`, `{target.name}`, `{target.id}`. */
      migrationUri: string
      maxParallelMigrations: number
      migrationTimeout: number
      reserveMemoryPercent: number
      returnVms: boolean
    }
  | {
      driver: 'cloudstack'
      url: string
      apiKey: string
      /** Absolute path, for messages; the key itself is in `secretKey`. */
      secretKeyFile: string
      secretKey: Secret
      pollInterval: number
      timeout: number
    }
  | {
      driver: 'command'
      /** argv; may contain `{host.id}`, `{host.name}`, `{host.address}`, `{cluster.id}`. */
      enter: string[]
      exit: string[]
      timeout: number
    }

export const NONE_MAINTENANCE: MaintenanceConfig = Object.freeze({ driver: 'none' })

export const LIBVIRT_DEFAULTS = {
  libvirtUri: 'qemu:///system',
  migrationUri: 'qemu+ssh://{target.address}/system',
  maxParallelMigrations: 2,
  migrationTimeout: 1800,
  reserveMemoryPercent: 10,
  returnVms: false
} as const

export const CLOUDSTACK_DEFAULTS = { pollInterval: 5, timeout: 3600 } as const
export const COMMAND_DEFAULTS = { timeout: 3600 } as const

const checkers = Object.fromEntries(
  MAINTENANCE_DRIVERS.map((kind) => [kind, TypeCompiler.Compile(maintenanceSchemas[kind])])
) as { [K in MaintenanceDriverKind]: ReturnType<typeof TypeCompiler.Compile<(typeof maintenanceSchemas)[K]>> }

export type ReadSecretFile = (file: string) => string

export type ResolveResult = { ok: true; config: MaintenanceConfig } | { ok: false; problems: string[] }

function isDriver(value: unknown): value is MaintenanceDriverKind {
  return typeof value === 'string' && (MAINTENANCE_DRIVERS as readonly string[]).includes(value)
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p
}

/**
 * Checks one `maintenance:` block found at `where` (e.g. `defaults.maintenance`) and applies the
 * defaults. `readSecretFile` is the only I/O: a cloudstack block's key is read here, once, so a
 * missing or empty key file stops the start-up instead of the first run.
 */
export function resolveMaintenanceBlock(block: unknown, where: string, readSecretFile: ReadSecretFile): ResolveResult {
  const driver = (block as { driver?: unknown } | null)?.driver
  if (!isDriver(driver)) {
    return {
      ok: false,
      problems: [`${where}.driver: must be one of ${MAINTENANCE_DRIVERS.join(', ')} (got ${JSON.stringify(driver)})`]
    }
  }
  const checker = checkers[driver]
  if (!checker.Check(block)) {
    const problems = [...checker.Errors(block)]
      .filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i)
      .map((e) => {
        const field = e.path
          .split('/')
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
          .join('')
        const got = e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''
        return `${where}${field}: ${e.message}${got}`
      })
    return { ok: false, problems }
  }
  const valid = block as MaintenanceBlock
  switch (valid.driver) {
    case 'none':
      return { ok: true, config: NONE_MAINTENANCE }
    case 'libvirt': {
      const config = { ...LIBVIRT_DEFAULTS, ...valid }
      const unknown = unknownPlaceholders(config.migrationUri, MIGRATION_URI_PLACEHOLDERS)
      if (unknown.length > 0) {
        return {
          ok: false,
          problems: [
            `${where}.migrationUri: unknown placeholder {${unknown[0]}}; use ${MIGRATION_URI_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`
          ]
        }
      }
      return { ok: true, config }
    }
    case 'cloudstack': {
      const problems: string[] = []
      try {
        const u = new URL(valid.url)
        if (u.username || u.password)
          problems.push(`${where}.url: must not carry credentials; use apiKey and secretKeyFile`)
      } catch {
        problems.push(`${where}.url: not a URL (got ${JSON.stringify(valid.url)})`)
      }
      const secretKeyFile = path.resolve(expandHome(valid.secretKeyFile))
      let secret = ''
      try {
        secret = readSecretFile(secretKeyFile).trim()
        if (secret === '') problems.push(`${where}.secretKeyFile: ${secretKeyFile} is empty`)
      } catch (err) {
        problems.push(
          `${where}.secretKeyFile: cannot read ${secretKeyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
        )
      }
      if (problems.length > 0) return { ok: false, problems }
      return { ok: true, config: { ...CLOUDSTACK_DEFAULTS, ...valid, secretKeyFile, secretKey: new Secret(secret) } }
    }
    case 'command': {
      const problems: string[] = []
      for (const key of ['enter', 'exit'] as const) {
        valid[key].forEach((arg, i) => {
          const unknown = unknownPlaceholders(arg, COMMAND_PLACEHOLDERS)
          if (unknown.length > 0) {
            problems.push(
              `${where}.${key}[${i}]: unknown placeholder {${unknown[0]}}; use ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`
            )
          }
        })
      }
      if (problems.length > 0) return { ok: false, problems }
      return { ok: true, config: { ...COMMAND_DEFAULTS, ...valid, enter: [...valid.enter], exit: [...valid.exit] } }
    }
  }
}
