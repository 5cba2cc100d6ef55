import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { parseDocument } from 'yaml'
import { InventoryError } from './errors/inventory-error.js'
import { InventoryFileSchema, type InventoryDefaults, type InventoryFile } from './inventory-schema.js'
import {
  NONE_MAINTENANCE,
  resolveMaintenanceBlock,
  type MaintenanceConfig,
  type ReadSecretFile
} from './maintenance-config.js'
import type { HostConfig, Inventory } from './types.js'

const checker = TypeCompiler.Compile(InventoryFileSchema)

const BUILTIN_DEFAULTS = {
  user: 'root',
  port: 22,
  hooksDir: '/etc/rollmaint/hooks',
  stateDir: '/var/lib/rollmaint',
  bootIdPath: '/proc/sys/kernel/random/boot_id',
  executor: 'detached',
  hypervisor: 'KVM',
  enabled: true
} as const

function expandHome(p: string | undefined): string | undefined {
  if (p === undefined) return undefined
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1))
  return p
}

/** `/zones/0/pods/1/name` → `zones[0].pods[1].name`, the way people read YAML paths. */
function readablePath(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean)
  if (parts.length === 0) return '(top level)'
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

export interface BuildInventoryOptions {
  /** Reads a cloudstack `secretKeyFile`; tests pass their own. */
  readSecretFile?: ReadSecretFile
}

const readSecretFromDisk: ReadSecretFile = (file) => readFileSync(file, 'utf8')

/** Validates an already-parsed document; exported so tests and the demo can build inventories in memory. */
export function buildInventory(doc: unknown, source: string, options: BuildInventoryOptions = {}): Inventory {
  if (!checker.Check(doc)) {
    const problems = [...checker.Errors(doc)]
      // the innermost error per path is the useful one; TypeBox also reports every enclosing union/object
      .filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i)
      .slice(0, 20)
      .map(
        (e) =>
          `${readablePath(e.path)}: ${e.message}${e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}`
      )
    throw new InventoryError(source, problems)
  }
  const file: InventoryFile = doc
  const defaults: InventoryDefaults = file.defaults ?? {}
  const inventory: Inventory = { source, zones: new Map(), pods: new Map(), clusters: new Map(), hosts: new Map() }
  const seen = new Map<string, string>()
  const problems: string[] = []
  const claim = (id: string, where: string): void => {
    const first = seen.get(id)
    if (first)
      problems.push(
        `${where}.id: id ${JSON.stringify(id)} is already used at ${first}; ids must be unique across the inventory`
      )
    else seen.set(id, where)
  }
  const readSecretFile = options.readSecretFile ?? readSecretFromDisk
  // each block is checked once where it is written, so a bad defaults block is one problem, not one per host
  const maintenanceAt = (block: unknown, where: string): MaintenanceConfig | undefined => {
    if (block === undefined) return undefined
    const result = resolveMaintenanceBlock(block, where, readSecretFile)
    if (result.ok) return result.config
    problems.push(...result.problems)
    return NONE_MAINTENANCE
  }
  const defaultMaintenance = maintenanceAt(defaults.maintenance, 'defaults.maintenance') ?? NONE_MAINTENANCE

  file.zones.forEach((zone, zi) => {
    const zWhere = `zones[${zi}]`
    claim(zone.id, zWhere)
    inventory.zones.set(zone.id, { id: zone.id, name: zone.name, podIds: zone.pods.map((p) => p.id) })
    zone.pods.forEach((pod, pi) => {
      const pWhere = `${zWhere}.pods[${pi}]`
      claim(pod.id, pWhere)
      inventory.pods.set(pod.id, {
        id: pod.id,
        name: pod.name,
        zoneId: zone.id,
        clusterIds: pod.clusters.map((c) => c.id)
      })
      pod.clusters.forEach((cluster, ci) => {
        const cWhere = `${pWhere}.clusters[${ci}]`
        claim(cluster.id, cWhere)
        const clusterMaintenance = maintenanceAt(cluster.maintenance, `${cWhere}.maintenance`) ?? defaultMaintenance
        inventory.clusters.set(cluster.id, {
          id: cluster.id,
          name: cluster.name,
          zoneId: zone.id,
          podId: pod.id,
          hostIds: cluster.hosts.map((h) => h.id),
          gate: cluster.gate,
          gateTimeout: cluster.gateTimeout
        })
        cluster.hosts.forEach((host, hi) => {
          claim(host.id, `${cWhere}.hosts[${hi}]`)
          const maintenance =
            maintenanceAt(host.maintenance, `${cWhere}.hosts[${hi}].maintenance`) ?? clusterMaintenance
          const merged = { ...BUILTIN_DEFAULTS, ...defaults, ...host }
          const resolved: HostConfig = {
            id: host.id,
            name: host.name,
            address: host.address,
            port: merged.port,
            user: merged.user,
            privateKeyPath: expandHome(merged.privateKeyPath),
            hostKey: merged.hostKey,
            knownHostsPath: expandHome(merged.knownHostsPath),
            hooksDir: merged.hooksDir,
            stateDir: merged.stateDir,
            bootIdPath: merged.bootIdPath,
            executor: merged.executor,
            hypervisor: merged.hypervisor,
            enabled: merged.enabled,
            maintenance,
            zoneId: zone.id,
            podId: pod.id,
            clusterId: cluster.id
          }
          if (!resolved.hostKey && !resolved.knownHostsPath) {
            problems.push(
              `${cWhere}.hosts[${hi}]: neither hostKey nor knownHostsPath is set, so the host key could not be checked`
            )
          }
          inventory.hosts.set(host.id, resolved)
        })
      })
    })
  })
  if (problems.length > 0) throw new InventoryError(source, problems)
  return inventory
}

/** Reads, parses and validates the inventory once, at start-up. */
export function loadInventory(file: string): Inventory {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new InventoryError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new InventoryError(
      file,
      doc.errors.map(
        (e) =>
          `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`
      )
    )
  }
  return buildInventory(doc.toJS(), file)
}
