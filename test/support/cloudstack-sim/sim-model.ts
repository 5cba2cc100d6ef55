import type { ResourceState } from './resource-state.js'

/** What a test describes: CloudStack's zone → pod → cluster → host tree, with VM names per host. */
export interface SimLayout {
  zones: Array<{
    id: string
    name: string
    pods: Array<{
      id: string
      name: string
      clusters: Array<{
        id: string
        name: string
        hypervisortype?: string
        hosts: Array<{
          id: string
          name: string
          ipaddress: string
          /** `Routing` (hypervisor hosts) unless said otherwise: `SecondaryStorageVM`, `ConsoleProxy`... */
          type?: string
          hypervisor?: string
          resourcestate?: ResourceState
          vms?: string[]
        }>
      }>
    }>
  }>
}

export interface SimZone {
  id: string
  name: string
}
export interface SimPod {
  id: string
  name: string
  zone: SimZone
}
export interface SimCluster {
  id: string
  /** CloudStack's internal numeric id: its error texts print it, not the UUID. */
  dbId: number
  name: string
  hypervisortype: string
  pod: SimPod
}
export interface SimHost {
  id: string
  dbId: number
  name: string
  ipaddress: string
  type: string
  hypervisor: string
  cluster: SimCluster
  resourcestate: ResourceState
  /** Every state the host went through, with when (ms since epoch): tests ask what it was at a time. */
  history: Array<{ state: ResourceState; at: number }>
}
export interface SimVm {
  id: string
  name: string
  host: SimHost
}

export interface SimJob {
  id: string
  cmd: string
  instanceId: string
  status: 0 | 1 | 2
  result?: Record<string, unknown>
  resultCode: number
  created: Date
  completed?: Date
}

const dateOf = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, '+0000')

export function zoneView(z: SimZone): Record<string, unknown> {
  return { id: z.id, name: z.name, networktype: 'Advanced', allocationstate: 'Enabled' }
}

export function podView(p: SimPod): Record<string, unknown> {
  return { id: p.id, name: p.name, zoneid: p.zone.id, zonename: p.zone.name, allocationstate: 'Enabled' }
}

export function clusterView(c: SimCluster): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    podid: c.pod.id,
    podname: c.pod.name,
    zoneid: c.pod.zone.id,
    zonename: c.pod.zone.name,
    hypervisortype: c.hypervisortype,
    clustertype: 'CloudManaged',
    allocationstate: 'Enabled',
    managedstate: 'Managed'
  }
}

export function hostView(h: SimHost): Record<string, unknown> {
  return {
    id: h.id,
    name: h.name,
    state: 'Up',
    type: h.type,
    ipaddress: h.ipaddress,
    zoneid: h.cluster.pod.zone.id,
    zonename: h.cluster.pod.zone.name,
    podid: h.cluster.pod.id,
    podname: h.cluster.pod.name,
    clusterid: h.cluster.id,
    clustername: h.cluster.name,
    clustertype: 'CloudManaged',
    hypervisor: h.hypervisor,
    resourcestate: h.resourcestate
  }
}

export function vmView(v: SimVm): Record<string, unknown> {
  return { id: v.id, name: v.name, instancename: v.name, state: 'Running', hostid: v.host.id, hostname: v.host.name }
}

export function jobView(j: SimJob): Record<string, unknown> {
  return {
    accountid: 'admin',
    userid: 'admin',
    cmd: j.cmd,
    jobstatus: j.status,
    jobprocstatus: 0,
    jobresultcode: j.resultCode,
    jobresulttype: 'object',
    ...(j.result ? { jobresult: j.result } : {}),
    jobinstancetype: 'Host',
    jobinstanceid: j.instanceId,
    created: dateOf(j.created),
    ...(j.completed ? { completed: dateOf(j.completed) } : {}),
    jobid: j.id
  }
}
