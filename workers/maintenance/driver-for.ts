import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import type { HostConfig } from '../../shared/types.js'
import { createCloudStackDriver } from './cloudstack-driver.js'
import { createCommandDriver, type CommandDriverOptions } from './command-driver.js'
import { createLibvirtDriver } from './libvirt/libvirt-driver.js'
import { inventoryLibvirtSettings } from './libvirt/libvirt-settings.js'
import type { MaintenanceDriver } from './maintenance-driver.js'
import { noneDriver } from './none-driver.js'

export interface DriverDeps {
  command?: CommandDriverOptions
}

const libvirtDriver = createLibvirtDriver(inventoryLibvirtSettings)

// hosts sharing a `maintenance:` block share its resolved object, and so one CloudStack client
const cloudStackDrivers = new WeakMap<MaintenanceConfig, MaintenanceDriver>()

/** The driver a host's `maintenance:` block names (docs/inventory.md#maintenance-drivers); validated with the inventory at start-up. */
export function driverFor(host: HostConfig, deps: DriverDeps = {}): MaintenanceDriver {
  const m = host.maintenance
  switch (m.driver) {
    case 'none':
      return noneDriver
    case 'libvirt':
      return libvirtDriver
    case 'command':
      return createCommandDriver(m, deps.command)
    case 'cloudstack': {
      let driver = cloudStackDrivers.get(m)
      if (!driver) {
        driver = createCloudStackDriver(m)
        cloudStackDrivers.set(m, driver)
      }
      return driver
    }
  }
}
