import type { MaintenanceDriver } from './maintenance-driver.js'

/** `driver: none` (the default): maintenance mode is only the host's resource state, as in spec v1. */
export const noneDriver: MaintenanceDriver = {
  kind: 'none',
  enter: () => Promise.resolve({ kind: 'entered', migrated: [] }),
  exit: () => Promise.resolve({ kind: 'exited' })
}
