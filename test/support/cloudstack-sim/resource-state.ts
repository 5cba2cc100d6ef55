/**
 * Apache CloudStack's host resource-state machine (com.cloud.resource.ResourceState), the subset a
 * management server walks through for maintenance, as a transition table: the simulator refuses what
 * CloudStack refuses. Events keep CloudStack's names.
 */
export type ResourceState =
  | 'Creating'
  | 'Enabled'
  | 'Disabled'
  | 'PrepareForMaintenance'
  | 'ErrorInPrepareForMaintenance'
  | 'ErrorInMaintenance'
  | 'Maintenance'
  | 'Error'
  | 'Degraded'

export type ResourceEvent =
  | 'Enable'
  | 'Disable'
  | 'AdminAskMaintenance'
  | 'AdminCancelMaintenance'
  | 'InternalEnterMaintenance'
  | 'UnableToMigrate'
  | 'UnableToMaintain'
  | 'ErrorsCorrected'

const TRANSITIONS: ReadonlyArray<readonly [ResourceState, ResourceEvent, ResourceState]> = [
  ['Enabled', 'Enable', 'Enabled'],
  ['Enabled', 'Disable', 'Disabled'],
  ['Enabled', 'AdminAskMaintenance', 'PrepareForMaintenance'],
  ['Enabled', 'InternalEnterMaintenance', 'Maintenance'],
  ['Disabled', 'Enable', 'Enabled'],
  ['Disabled', 'Disable', 'Disabled'],
  ['PrepareForMaintenance', 'InternalEnterMaintenance', 'Maintenance'],
  ['PrepareForMaintenance', 'AdminCancelMaintenance', 'Enabled'],
  ['PrepareForMaintenance', 'UnableToMigrate', 'ErrorInPrepareForMaintenance'],
  ['PrepareForMaintenance', 'UnableToMaintain', 'ErrorInMaintenance'],
  ['Maintenance', 'AdminCancelMaintenance', 'Enabled'],
  ['ErrorInPrepareForMaintenance', 'Disable', 'Disabled'],
  ['ErrorInPrepareForMaintenance', 'InternalEnterMaintenance', 'Maintenance'],
  ['ErrorInPrepareForMaintenance', 'AdminCancelMaintenance', 'Enabled'],
  ['ErrorInPrepareForMaintenance', 'UnableToMigrate', 'ErrorInPrepareForMaintenance'],
  ['ErrorInPrepareForMaintenance', 'UnableToMaintain', 'ErrorInMaintenance'],
  ['ErrorInPrepareForMaintenance', 'ErrorsCorrected', 'PrepareForMaintenance'],
  ['ErrorInMaintenance', 'AdminAskMaintenance', 'PrepareForMaintenance'],
  ['ErrorInMaintenance', 'Disable', 'Disabled'],
  ['ErrorInMaintenance', 'AdminCancelMaintenance', 'Enabled'],
  ['Degraded', 'AdminAskMaintenance', 'Maintenance']
]

/** The next state, or undefined where CloudStack's state machine has no such transition. */
export function nextResourceState(from: ResourceState, event: ResourceEvent): ResourceState | undefined {
  return TRANSITIONS.find(([f, e]) => f === from && e === event)?.[2]
}

/** ResourceState.canAttemptMaintenance: not while already in, or on the way into, maintenance. */
export function canAttemptMaintenance(state: ResourceState): boolean {
  return state !== 'Maintenance' && state !== 'PrepareForMaintenance' && state !== 'ErrorInPrepareForMaintenance'
}
