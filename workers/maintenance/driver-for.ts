import type { HostConfig } from '../../shared/types.js'
import { createCommandDriver, type CommandDriverOptions } from './command-driver.js'
import { createLibvirtDriver } from './libvirt/libvirt-driver.js'
import { inventoryLibvirtSettings } from './libvirt/libvirt-settings.js'
import type { MaintenanceDriver } from './maintenance-driver.js'
import { noneDriver } from './none-driver.js'

export interface DriverDeps {
  command?: CommandDriverOptions
}

const libvirtDriver = createLibvirtDriver(inventoryLibvirtSettings)

/** The driver a host's `maintenance:` block names (spec 8); validated with the inventory at start-up. */
export function driverFor(host: HostConfig, deps: DriverDeps = {}): MaintenanceDriver {
  const m = host.maintenance
  switch (m.driver) {
    case 'none':
      return noneDriver
    case 'libvirt':
      return libvirtDriver
    case 'command':
      return createCommandDriver(m, deps.command)
    case 'cloudstack':
      // cs: replace with the cloudstack driver when it lands (owner of that driver).
      return {
        kind: 'cloudstack',
        enter: () => Promise.resolve({ kind: 'failed', reason: 'the cloudstack maintenance driver is not part of this build yet', migrated: [] }),
        exit: () => Promise.resolve({ kind: 'failed', reason: 'the cloudstack maintenance driver is not part of this build yet' }),
      }
  }
}
