import { gaps, percentile, runAndWait, setAllHooks, startRealFleet } from './real-hosts.js'

export interface OverheadResult {
  hostsOnPath: number
  wallMs: number
  scriptMsOnPath: number
  overheadPerHostCycleMs: number
  betweenStagesP50Ms: number
  betweenStagesP95Ms: number
  betweenHostsP50Ms: number
  betweenHostsP95Ms: number
}

/** One cluster of 10 real sshd hosts with no-op (logging) stage scripts: what rollmaint adds per host cycle. */
export async function overheadScenario(redisUrl: string, runs: number): Promise<OverheadResult[]> {
  const hosts = Array.from({ length: 10 }, (_, i) => `o${i}`)
  const rf = await startRealFleet(redisUrl, [{ id: 'oc', hosts }])
  try {
    setAllHooks(rf.fleet, hosts, { PreFlight: {}, PreMaintenance: {}, Maintenance: {}, PostMaintenance: {} })
    const out: OverheadResult[] = []
    for (let i = 0; i < runs; i++) {
      const { wallMs, log, success } = await runAndWait(rf, { clusterids: ['oc'] })
      if (!success) throw new Error('overhead run failed')
      const g = gaps(log, hosts)
      out.push({
        hostsOnPath: hosts.length,
        wallMs,
        scriptMsOnPath: g.scriptMs,
        overheadPerHostCycleMs: Math.round(((wallMs - g.scriptMs) / hosts.length) * 10) / 10,
        betweenStagesP50Ms: percentile(g.betweenStages, 50),
        betweenStagesP95Ms: percentile(g.betweenStages, 95),
        betweenHostsP50Ms: percentile(g.betweenHosts, 50),
        betweenHostsP95Ms: percentile(g.betweenHosts, 95)
      })
    }
    return out
  } finally {
    await rf.close()
  }
}
