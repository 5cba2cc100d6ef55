/** The fleet as the console shows it (`GET /api/v1/fleet`). Types only, no imports: the browser bundle uses them too. */
/** Zones → pods → clusters → hosts, in inventory order. */
export interface FleetView {
  zones: FleetZone[]
}
export interface FleetZone {
  id: string
  name: string
  pods: FleetPod[]
}
export interface FleetPod {
  id: string
  name: string
  clusters: FleetCluster[]
}
export interface FleetCluster {
  id: string
  name: string
  /** The active run that holds this cluster, if any. */
  runId?: string | undefined
  hosts: FleetHost[]
}
export interface FleetHost {
  id: string
  name: string
  address: string
  hypervisor: string
  enabled: boolean
  resourceState: string
  /** The maintenance driver (`none`, `libvirt`, ...) when the inventory names one. */
  driver?: string | undefined
  /** Running VMs, where the host's driver reports them (libvirt: its last reading of the cluster). */
  vmCount?: number | undefined
  /** When that count was read (ISO). */
  vmsReadAt?: string | undefined
  /** The active run this host belongs to, and where that run is with it. */
  runId?: string | undefined
  stage?: string | undefined
}
