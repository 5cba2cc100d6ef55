import type { MaintenanceConfig } from '../../../shared/maintenance-config.js'
import type { HostConfig } from '../../../shared/types.js'

/**
 * A host's `maintenance: {driver: libvirt, ...}` block (docs/inventory.md#maintenance-drivers) with every default applied.
 * `migrationUri` is the destination as the SOURCE host reaches the target; `migrationTimeout` is in
 * seconds per VM, after which the job is aborted (`virsh domjobabort`).
 */
export type LibvirtSettings = Omit<Extract<MaintenanceConfig, { driver: 'libvirt' }>, 'driver'>

/** How the driver learns a host's settings; undefined = the host is not libvirt-managed. */
export type LibvirtSettingsOf = (host: HostConfig) => LibvirtSettings | undefined

/** From the inventory (the default; tests may pass their own). */
export const inventoryLibvirtSettings: LibvirtSettingsOf = (host) =>
  host.maintenance.driver === 'libvirt' ? host.maintenance : undefined

export function migrationUriFor(settings: LibvirtSettings, target: HostConfig): string {
  return settings.migrationUri
    .replaceAll('{target.address}', target.address.includes(':') ? `[${target.address}]` : target.address)
    .replaceAll('{target.name}', target.name)
    .replaceAll('{target.id}', target.id)
}

/** Where a host keeps its per-VM migration locks: with the stage runner's state. */
export const lockDirOf = (host: HostConfig): string => `${host.stateDir.replace(/\/+$/, '')}/libvirt`

/** One lock file per VM; hex keeps any domain name a safe file name. */
export const lockFileName = (vm: string): string => `migrate-${Buffer.from(vm, 'utf8').toString('hex')}.lock`

export function vmOfLockFile(file: string): string | undefined {
  const m = /^migrate-([0-9a-f]+)\.lock$/.exec(file)
  return m ? Buffer.from(m[1]!, 'hex').toString('utf8') : undefined
}
