import { readFileSync } from 'node:fs'

/** The parts of a V8 `.cpuprofile` this summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Sampled ms, idle excluded. */
  busyMs: number
  /** Self time by where the code lives (a package, the project's own directories, V8's pseudo-frames). */
  byArea: Array<{ area: string; ms: number; share: number }>
  /** The functions with the most self time. */
  top: Array<{ fn: string; ms: number; share: number }>
}

/** Groups a frame's script: `node_modules/<pkg>`, the project directory, `node:` internals, or V8's own. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal$/, 'node:internal')
  const own = /\/(workers|store|shared|bench|service|api)\//.exec(url)
  return own ? `rollmaint ${own[1]}/` : url
}

/** Self time per function and per area from one or more profiles (worker processes of one run). */
export function summarizeProfiles(files: string[], topN = 15): ProfileSummary {
  const byFn = new Map<string, number>()
  const byArea = new Map<string, number>()
  let busy = 0
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const nodes = new Map(p.nodes.map((n) => [n.id, n.callFrame]))
    p.samples.forEach((id, i) => {
      const frame = nodes.get(id)
      const us = p.timeDeltas[i] ?? 0
      if (!frame || frame.functionName === '(idle)') return
      busy += us
      const short = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=[a-z]+\/)/, '')
      const fn = `${frame.functionName || '(anonymous)'} ${short}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
      byFn.set(fn, (byFn.get(fn) ?? 0) + us)
      const area = areaOf(frame.url, frame.functionName)
      byArea.set(area, (byArea.get(area) ?? 0) + us)
    })
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => ({ k, ms: Math.round(us / 100) / 10, share: Math.round((us / Math.max(1, busy)) * 1000) / 10 }))
  return {
    busyMs: Math.round(busy / 1000),
    byArea: rows(byArea)
      .slice(0, 12)
      .map(({ k, ms, share }) => ({ area: k, ms, share })),
    top: rows(byFn)
      .slice(0, topN)
      .map(({ k, ms, share }) => ({ fn: k, ms, share }))
  }
}
