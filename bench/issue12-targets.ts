import type { BenchReport } from './report.js'

type Target = BenchReport['targets'][number]

/** Worker + Redis CPU per host cycle of a scale row (ms), when the row has both figures. */
export function cpuPerHostCycleMs(row: Record<string, number> | undefined): number | undefined {
  const w = row?.workerCpuMsPerHostCycle
  const r = row?.redisCpuMsPerHostCycle
  return w === undefined || r === undefined ? undefined : Math.round((w + r) * 1000) / 1000
}

/** Overhead per host cycle over the same run's processSpawnMs (the 4 x target), when both were measured. */
export function overheadToSpawnRatio(r: Pick<BenchReport, 'overhead' | 'profile'>): number | undefined {
  const overhead = r.overhead.overheadPerHostCycleMs
  const spawn = r.profile.processSpawnMs
  return overhead === undefined || !spawn ? undefined : overhead / spawn
}

/**
 * Issue 12's targets, each relative to what the same bench run measured on the same machine
 * (process creation, Ansible, the scale scenario on the code before the work).
 */
export function issue12Targets(r: BenchReport): Target[] {
  const out: Target[] = []
  const t = (target: string, measured: string, met: boolean) => out.push({ target, measured, met })
  const overhead = r.overhead.overheadPerHostCycleMs
  const spawn = r.profile.processSpawnMs
  const ansible = r.ansible.overheadPerHostCycleMs
  if (overhead !== undefined && typeof ansible === 'number') {
    const ratio = ansible / overhead
    t(
      'overhead per host cycle >= 10x less than Ansible (same run)',
      `${ratio.toFixed(1)}x (${overhead} ms vs ${ansible} ms)`,
      ratio >= 10
    )
  }
  const spawnRatio = overheadToSpawnRatio(r)
  if (spawnRatio !== undefined)
    t(
      'overhead per host cycle <= 4 x processSpawnMs (same run)',
      `${spawnRatio.toFixed(1)} x (${overhead} ms, processSpawnMs ${spawn} ms)`,
      spawnRatio <= 4
    )
  if (r.seed.wallMs !== undefined && r.seed.idealMs !== undefined) {
    // Unrounded: the scenario's ratioToIdeal has two decimals, and 1.0249 must not pass as 1.02.
    const ratio = r.seed.wallMs / r.seed.idealMs
    t(
      'seed scenario (2 s Maintenance) <= 1.02 x ideal',
      `${ratio.toFixed(3)} x (${r.seed.wallMs} ms for an ideal ${r.seed.idealMs} ms)`,
      ratio <= 1.02
    )
  }
  const one = r.scale.find((s) => s.workers === 1)
  const before = r.scaleBaseline?.rows.find((s) => s.workers === 1)
  const now = cpuPerHostCycleMs(one)
  const then = cpuPerHostCycleMs(before)
  if (now !== undefined && then !== undefined)
    t(
      `scale, 1 worker: worker + Redis CPU per host cycle <= 0.5 x the code at ${r.scaleBaseline!.commit.slice(0, 7)}`,
      `${(now / then).toFixed(2)} x (${now} ms vs ${then} ms)`,
      now <= 0.5 * then
    )
  if (one) {
    t('scale: Redis used memory <= 100 MB', `${one.redisUsedMemoryMb} MB`, one.redisUsedMemoryMb! <= 100)
    t('scale: API GET p99 <= 50 ms during the run (1 worker)', `${one.apiGetP99Ms} ms`, one.apiGetP99Ms! <= 50)
  }
  return out
}
