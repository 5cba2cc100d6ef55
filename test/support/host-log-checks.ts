/** Checks made from the hosts' own logs (what really ran, and when), not from rollmaint's view. */
export interface HostLogEntry {
  t: number
  host: string
  stage: string
  event: 'start' | 'end' | 'killed'
  rc?: number | undefined
}

export interface Interval {
  host: string
  stage: string
  start: number
  end: number
}

/** Pairs start with end/killed lines per host and stage; an unterminated start runs until `now`. */
export function stageIntervals(log: HostLogEntry[], stage?: string, now = Date.now()): Interval[] {
  const open = new Map<string, HostLogEntry>()
  const out: Interval[] = []
  for (const e of [...log].sort((a, b) => a.t - b.t)) {
    if (stage && e.stage !== stage) continue
    const key = `${e.host}/${e.stage}`
    if (e.event === 'start') open.set(key, e)
    else {
      const s = open.get(key)
      if (s) out.push({ host: e.host, stage: e.stage, start: s.t, end: e.t })
      open.delete(key)
    }
  }
  for (const s of open.values()) out.push({ host: s.host, stage: s.stage, start: s.t, end: now })
  return out
}

/** Pairs of hosts of one cluster whose Maintenance scripts overlapped (the invariant, docs/user-guide.md#the-invariant). */
export function invariantViolations(
  log: HostLogEntry[],
  clusterOf: (host: string) => string
): Array<[Interval, Interval]> {
  const intervals = stageIntervals(log, 'Maintenance')
  const bad: Array<[Interval, Interval]> = []
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!
      const b = intervals[j]!
      if (a.host !== b.host && clusterOf(a.host) === clusterOf(b.host) && a.start < b.end && b.start < a.end)
        bad.push([a, b])
    }
  }
  return bad
}

/** How many times each host started a stage (a stage must never run twice in one run). */
export function startCounts(log: HostLogEntry[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const e of log)
    if (e.event === 'start') counts.set(`${e.host}/${e.stage}`, (counts.get(`${e.host}/${e.stage}`) ?? 0) + 1)
  return counts
}
