import { RUN_EVENT_TYPES } from '../run-event.js'

/**
 * Event types a webhook may subscribe to: every type of the run event stream. A runtime list
 * because ROLLMAINT_WEBHOOKS is checked against it at start-up.
 */
export const WEBHOOK_EVENT_TYPES: readonly string[] = RUN_EVENT_TYPES
