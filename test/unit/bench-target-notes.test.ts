import { describe, expect, it } from 'vitest'
import { issue12Targets } from '../../bench/issue12-targets.js'
import { targetNotes } from '../../bench/render-readme.js'
import type { BenchReport } from '../../bench/report.js'

/** A report with only the overhead figures (the targets computed from them, as run-bench does). */
function report(overheadMs: number, processSpawnMs: number): BenchReport {
  const r: BenchReport = {
    date: '2026-12-06T00:00:00.000Z',
    machine: { cores: 2, memoryGiB: 24, cpu: 'test', node: 'v20' },
    profile: { processSpawnMs },
    overhead: { overheadPerHostCycleMs: overheadMs },
    seed: {},
    ansible: { overheadPerHostCycleMs: overheadMs * 20 },
    scale: [],
    targets: []
  }
  return { ...r, targets: issue12Targets(r) }
}

const spawnTarget = (r: BenchReport) => r.targets.find((t) => t.target.startsWith('overhead per host cycle <= 4'))

describe('bench README notes on issue 12 targets', () => {
  it('explains an unmet 4 x target', () => {
    const r = report(11, 2.5)
    expect(spawnTarget(r)?.met).toBe(false)
    const notes = targetNotes(r)
    expect(notes).toContain('### Targets not met, or met narrowly')
    expect(notes).toContain('- **Overhead against process creation.** With')
  })

  it('lists a 4 x target met within 15 % of its limit, with its ratio', () => {
    const r = report(10.2, 2.7)
    expect(spawnTarget(r)?.met).toBe(true)
    expect(targetNotes(r)).toContain("met here at 3.8 x, by less than its runs' spread")
  })

  it('says nothing of a target met with room to spare', () => {
    const r = report(6, 2.7)
    expect(spawnTarget(r)?.met).toBe(true)
    expect(targetNotes(r)).toBe('')
  })
})
