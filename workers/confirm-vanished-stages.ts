import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { HostConfig } from '../shared/types.js'
import type { HostExecutor, HostSession, OpenOptions, StageRequest } from './host-executor.js'
import type { StageResult } from './ssh/stage-result.js'

export interface ConfirmVanishedOptions {
  logger: Logger
  /** How long a script that vanished under an unchanged boot id is watched for a reboot. */
  confirmMs?: number
  /** Pause between two re-attaches while watching. */
  pollMs?: number
}

/** 15 s covers a shutdown from the moment it kills user processes to the moment sshd stops answering. */
export const VANISH_CONFIRM_MS = 15_000

const vanishedInSameBoot = (r: StageResult): boolean => r.kind === 'vanished' && !r.bootIdChanged

/**
 * A real reboot is not instantaneous: its shutdown kills the stage's supervisor and script while
 * sshd may still answer, so a worker attached at that moment sees a script that vanished under the
 * old boot id. Before such a result is reported, the stage is re-attached for a while: if the host
 * goes down (the session reconnects until the stage deadline) and answers under a new boot id, the
 * result is a reboot, not a vanished script (issue 15). Re-attaching never starts a stage; `direct`
 * stages have nothing to re-attach to and are passed through.
 */
export function confirmVanishedStages(inner: HostExecutor, opts: ConfirmVanishedOptions): HostExecutor {
  const confirmMs = opts.confirmMs ?? VANISH_CONFIRM_MS
  const pollMs = opts.pollMs ?? 1_000
  return {
    async open(host: HostConfig, options?: OpenOptions): Promise<HostSession> {
      const session = await inner.open(host, options)
      if (host.executor === 'direct') return session
      const runStage = async (request: StageRequest): Promise<StageResult> => {
        let result = await session.runStage(request)
        if (!vanishedInSameBoot(result)) return result
        opts.logger.warn(
          { hostId: host.id, host: host.name, stage: request.stage, confirmMs },
          'stage script vanished without an exit status; watching whether the host is rebooting'
        )
        const until = Date.now() + confirmMs
        while (Date.now() < until) {
          await sleep(Math.min(pollMs, Math.max(0, until - Date.now())))
          // Only this stage: the ones it was to be followed by were not started after a vanished one.
          result = await session.runStage({ ...request, followedBy: undefined })
          if (!vanishedInSameBoot(result)) return result
        }
        return result
      }
      // Everything else goes to the session unchanged, whatever the interface grows.
      return new Proxy(session, {
        get: (target, key, receiver) => (key === 'runStage' ? runStage : Reflect.get(target, key, receiver)) as unknown
      })
    }
  }
}
