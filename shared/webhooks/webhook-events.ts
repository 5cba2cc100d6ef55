/**
 * Event types a webhook may subscribe to: every type of the run event stream. Kept as a runtime
 * list because ROLLMAINT_WEBHOOKS is checked against it at start-up.
 */
export const WEBHOOK_EVENT_TYPES = [
  'run.started',
  'stage.started',
  'stage.finished',
  'host.updated',
  'host.skipped',
  'host.failed',
  'run.paused',
  'run.resumed',
  'run.waiting-window',
  'gate.waiting',
  'gate.passed',
  'vm.migrating',
  'vm.migrated',
  'vm.migration-failed',
  'run.finished',
] as const
