import type { HostSession } from './host-executor.js'

/**
 * The next host's session with the check of step 2 (is there a Maintenance script?) already sent,
 * so that its round trip to the host overlaps the boundary's Redis reads instead of following
 * them (issue 12). runHostCycle's first such check gets this answer; any other goes to the host.
 * A session that ends up unused is closed as before (its check's failure is then nobody's).
 */
export function askMaintenanceScriptAhead(session: Promise<HostSession | undefined>): Promise<HostSession | undefined> {
  return session.then((s) => {
    if (!s) return s
    let asked: Promise<boolean> | undefined = s.hasStageScript('Maintenance')
    asked.catch(() => undefined)
    return {
      hasStageScript(stage) {
        const answer = stage === 'Maintenance' ? asked : undefined
        asked = undefined
        return answer ?? s.hasStageScript(stage)
      },
      runStage: (request) => s.runStage(request),
      exec: (argv, options) => s.exec(argv, options),
      cleanup: (days) => s.cleanup(days),
      close: () => s.close()
    }
  })
}
