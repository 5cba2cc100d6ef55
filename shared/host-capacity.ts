/** What a host runs and what it could take: the evacuation planner's input, read by the libvirt driver and kept in Redis for dry runs. */

export interface VmLoad {
  name: string
  memoryMiB: number
}

export interface HostCapacity {
  hostId: string
  hostName: string
  totalMiB: number
  /** Memory the host could give to new VMs now (free + buffers + page cache). */
  freeMiB: number
  /** Percent of `totalMiB` never planned into (docs/inventory.md#maintenance-drivers `reserveMemoryPercent`). */
  reserveMemoryPercent: number
}

export interface ClusterHostLoad extends HostCapacity {
  vms: readonly VmLoad[]
  /** May receive VMs: enabled, KVM, reachable, not in maintenance. */
  eligible: boolean
}
