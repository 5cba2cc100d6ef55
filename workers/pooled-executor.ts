import type { HostConfig } from '../shared/types.js'
import type { HostExecutor, HostSession, OpenOptions } from './host-executor.js'

/**
 * Keeps a host's session for a while after it is closed, so the connection PreFlight opened is the
 * one the host's maintenance cycle uses (SSH set-up is the largest fixed cost per host). A session
 * is lent to one user at a time; idle ones are closed after `idleMs`.
 */
export function createPooledExecutor(
  inner: HostExecutor,
  opts: { idleMs: number; maxIdle?: number }
): HostExecutor & { closeAll(): void } {
  const idle = new Map<string, { session: HostSession; timer: NodeJS.Timeout }>()
  const maxIdle = opts.maxIdle ?? 256

  function lend(hostId: string, session: HostSession): HostSession {
    let returned = false
    return {
      hasStageScript: (stage) => session.hasStageScript(stage),
      runStage: (request) => session.runStage(request),
      exec: (argv, options) => session.exec(argv, options),
      cleanup: (days) => session.cleanup(days),
      close() {
        if (returned) return
        returned = true
        if (idle.has(hostId) || idle.size >= maxIdle) return session.close()
        const timer = setTimeout(() => {
          idle.delete(hostId)
          session.close()
        }, opts.idleMs)
        timer.unref()
        idle.set(hostId, { session, timer })
      }
    }
  }

  return {
    async open(host: HostConfig, options?: OpenOptions): Promise<HostSession> {
      const kept = idle.get(host.id)
      if (kept) {
        idle.delete(host.id)
        clearTimeout(kept.timer)
        return lend(host.id, kept.session)
      }
      return lend(host.id, await inner.open(host, options))
    },
    closeAll() {
      for (const { session, timer } of idle.values()) {
        clearTimeout(timer)
        session.close()
      }
      idle.clear()
    }
  }
}
