/** Parsers for the virsh output the libvirt driver reads. Pure; every format here is virsh's own. */

/** libvirt's virDomainState values that matter here. */
export const DOMAIN_RUNNING = 1
export const DOMAIN_PAUSED = 3
/** virDomainPausedReason STARTING_UP: the destination's copy of an incoming migration. */
export const PAUSED_STARTING_UP = 11

export interface DomainStat {
  name: string
  state: number
  reason: number
  /** Maximum memory the guest may use (balloon.maximum, else balloon.current), MiB rounded up. */
  memoryMiB: number
}

/** `virsh domstats --list-active --state --balloon` (blocks `Domain: 'name'` then `  key=value`). */
export function parseDomStats(text: string): DomainStat[] {
  const out: DomainStat[] = []
  let cur: { name: string; fields: Map<string, string> } | undefined
  const flush = (): void => {
    if (!cur) return
    const num = (k: string): number | undefined => {
      const v = cur!.fields.get(k)
      return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v)
    }
    const kib = num('balloon.maximum') ?? num('balloon.current') ?? 0
    out.push({
      name: cur.name,
      state: num('state.state') ?? 0,
      reason: num('state.reason') ?? 0,
      memoryMiB: Math.ceil(kib / 1024)
    })
    cur = undefined
  }
  for (const line of text.split('\n')) {
    const head = /^Domain: '(.*)'\s*$/.exec(line)
    if (head) {
      flush()
      cur = { name: head[1]!, fields: new Map() }
      continue
    }
    const kv = /^\s+([\w.]+)=(.*)$/.exec(line)
    if (kv && cur) cur.fields.set(kv[1]!, kv[2]!.trim())
  }
  flush()
  return out
}

export interface NodeMemory {
  totalMiB: number
  /** free + buffers + cached: what the kernel can hand to a new guest. */
  freeMiB: number
}

/** `virsh nodememstats`: `total  :  24684084 KiB` lines. */
export function parseNodeMemStats(text: string): NodeMemory {
  const kib = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^\s*(\w+)\s*:\s*(\d+)\s*KiB/.exec(line)
    if (m) kib.set(m[1]!, Number(m[2]))
  }
  const total = kib.get('total')
  const free = kib.get('free')
  if (total === undefined || free === undefined)
    throw new Error(`unexpected virsh nodememstats output: ${JSON.stringify(text.slice(0, 200))}`)
  const reclaimable = (kib.get('buffers') ?? 0) + (kib.get('cached') ?? 0)
  return { totalMiB: Math.floor(total / 1024), freeMiB: Math.floor((free + reclaimable) / 1024) }
}

export interface CompletedJob {
  elapsedMs?: number | undefined
  downtimeMs?: number | undefined
}

/** `virsh domjobinfo --completed`: `Time elapsed: 1454 ms`, `Total downtime: 72 ms`. */
export function parseDomJobInfo(text: string): CompletedJob {
  const ms = (label: string): number | undefined => {
    const m = new RegExp(`^${label}:\\s*(\\d+)\\s*ms`, 'm').exec(text)
    return m ? Number(m[1]) : undefined
  }
  return { elapsedMs: ms('Time elapsed'), downtimeMs: ms('Total downtime') }
}

/** virsh's own message, without the `error: ` prefixes and blank lines, on one line. */
export function virshError(stderr: string, stdout = ''): string {
  const text = (stderr.trim() || stdout.trim())
    .split('\n')
    .map((l) => l.replace(/^error:\s*/, '').trim())
    .filter(Boolean)
    .join('; ')
  return text.length > 500 ? `${text.slice(0, 500)}…` : text || 'no output'
}
