import type { DryRunPlan } from '../shared/dry-run-plan.js'
import type { HostView, RunView } from '../shared/run-view.js'
import type { RunEventStream } from '../shared/run-event.js'
import type { RunRequest } from '../shared/types.js'

/**
 * The API's query-and-command layer: everything a route (REST, `/client/api`, the console) may ask
 * of runs and hosts. Implemented by `service/create-run-service.ts`
 * against Redis and BullMQ; the API only ever talks to this.
 */
export interface RunService {
  /** Validates scope, reserves the clusters and enqueues the run. Throws ScopeError or RunConflictError. */
  createRun(request: RunRequest, who?: string): Promise<RunView>
  /** Dry run (docs/api.md#dry-run): the plan a start would follow; creates, reserves and runs nothing. Same 400s as createRun. */
  planRun(request: RunRequest): Promise<DryRunPlan>
  getRun(id: string): Promise<RunView | undefined>
  /** Newest first. */
  listRuns(opts: { limit: number }): Promise<RunView[]>
  listHosts(): Promise<HostView[]>
  getHost(id: string): Promise<HostView | undefined>
  /**
   * Cancels a run: no new host starts, hosts in hand finish their cycle, then status `cancelled`.
   * Throws RunNotFoundError, or RunFinishedError when it already ended.
   */
  cancelRun(id: string, who?: string): Promise<RunView>
  /** docs/api.md#operator-controls: no new host starts until resumed. Throws RunNotFoundError or RunFinishedError; pausing twice is harmless. */
  pauseRun(id: string, who: string): Promise<RunView>
  /** Throws RunNotFoundError, RunFinishedError or RunNotPausedError. */
  resumeRun(id: string, who: string): Promise<RunView>
  /**
   * A new run over the hosts of a finished run that failed, were skipped for a failure or never
   * started (`retryOf` in its record). Throws RunNotFoundError, RunActiveError, NothingToRetryError
   * or RunConflictError.
   */
  retryRun(id: string, who: string): Promise<RunView>
  /**
   * An operator's way out of ErrorInMaintenance (CloudStack's cancelHostMaintenance): after checking
   * the host by hand, set it back to Enabled and free its cluster's maintenance slot. Refused while
   * a run or a worker still drives the cluster. Throws HostNotFoundError, HostNotInMaintenanceError
   * or ClusterBusyError.
   */
  cancelHostMaintenance(hostId: string, who: string): Promise<HostView>
  /** Live events of a run (resumable after a stream id); undefined for an unknown run. */
  openEventStream(id: string, afterId?: string): Promise<RunEventStream | undefined>
  /**
   * Records a signed `/client/api` request (its signature, hex) until `expiresAtMs`; false when it
   * was seen before: a mutating request runs once (issue 11, item 1).
   */
  claimSignedRequest(signatureHex: string, expiresAtMs: number): Promise<boolean>
  /** Closes the Redis connections and queues it opened. */
  close(): Promise<void>
}
