import { runAndWait, setAllHooks, startRealFleet } from './real-hosts.js'

export interface SeedResult {
  wallMs: number
  idealMs: number
  ratioToIdeal: number
  success: boolean
}

/** The seed's 2 zones / 3 clusters / 9 hosts on real sshd hosts, every Maintenance sleeping 2 s. */
export async function seedScenario(redisUrl: string, runs: number): Promise<SeedResult[]> {
  const clusters = [
    { id: 'cluster1', hosts: ['711-kvm1', '711-kvm2', '711-kvm3'] },
    { id: 'cluster2', hosts: ['711-kvm6', '711-kvm5', '711-kvm4'] },
    { id: 'cluster3', hosts: ['714-kvm3', '714-kvm1', '714-kvm2'] }
  ]
  const rf = await startRealFleet(redisUrl, clusters)
  try {
    setAllHooks(
      rf.fleet,
      clusters.flatMap((c) => c.hosts),
      { PreFlight: {}, PreMaintenance: {}, Maintenance: { sleepSec: 2 }, PostMaintenance: {} }
    )
    const out: SeedResult[] = []
    for (let i = 0; i < runs; i++) {
      const { wallMs, success } = await runAndWait(rf, { clusterids: clusters.map((c) => c.id) })
      // Ideal: three hosts one after another, each costing exactly its 2 s Maintenance.
      const idealMs = 3 * 2000
      out.push({ wallMs, idealMs, ratioToIdeal: Math.round((wallMs / idealMs) * 100) / 100, success })
    }
    return out
  } finally {
    await rf.close()
  }
}
