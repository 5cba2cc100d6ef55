import type { HostLane, StageSpan } from './api-types.js'

/** The time span a run's time line covers: first stage start to the last end (or now, while running). */
export function timelineBounds(lanes: HostLane[], now: number): { start: number; end: number } | undefined {
  let start = Infinity
  let end = -Infinity
  for (const lane of lanes) {
    for (const s of lane.stages) {
      const a = Date.parse(s.startedAt)
      const b = s.finishedAt ? Date.parse(s.finishedAt) : now
      if (a < start) start = a
      if (b > end) end = b
    }
  }
  if (!Number.isFinite(start)) return undefined
  return { start, end: Math.max(end, start + 1000) }
}

/** Pure: where a stage sits on its lane, in percent of the run's time line; never thinner than `minPct`. */
export function spanGeometry(
  span: StageSpan,
  bounds: { start: number; end: number },
  now: number,
  minPct = 1.5
): { left: number; width: number } {
  const total = bounds.end - bounds.start
  const a = Date.parse(span.startedAt)
  const b = span.finishedAt ? Date.parse(span.finishedAt) : now
  const left = Math.min(100 - minPct, Math.max(0, ((a - bounds.start) / total) * 100))
  const width = Math.max(minPct, Math.min(100 - left, ((b - a) / total) * 100))
  return { left: round(left), width: round(width) }
}

const round = (n: number): number => Math.round(n * 100) / 100

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number): string {
  ms = Math.max(0, ms)
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}
