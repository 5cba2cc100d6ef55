import { DOMAIN_RUNNING } from '../../workers/maintenance/libvirt/parse-virsh.js'
import type { KvmLab } from './kvm-lab.js'

/** One look at every lab host: for each VM, the hosts where it runs and any host where it is shut off. */
export interface PlacementSample {
  t: number
  /** VM → hosts where its guest runs (libvirt state running). */
  holders: Map<string, string[]>
  /** VM → hosts where it exists but is stopped or crashed (a VM lost by someone). */
  stopped: Map<string, string[]>
  /** Hosts whose libvirtd did not answer (a test stopped it): the sample says nothing about their VMs. */
  unreadable: string[]
}

/** libvirt states that mean the guest is not running: shut off (5), crashed (6), pmsuspended (7). */
const STOPPED = new Set([5, 6, 7])

export async function samplePlacement(lab: KvmLab): Promise<PlacementSample> {
  const t = Date.now()
  const unreadable: string[] = []
  const per = await Promise.all(
    lab.hosts.map(async (h) => ({
      host: h.name,
      domains: await lab.domains(h.name).catch(() => {
        unreadable.push(h.name)
        return []
      })
    }))
  )
  const holders = new Map<string, string[]>()
  const stopped = new Map<string, string[]>()
  const add = (m: Map<string, string[]>, vm: string, host: string): void => void m.set(vm, [...(m.get(vm) ?? []), host])
  for (const { host, domains } of per) {
    for (const d of domains) {
      if (d.state === DOMAIN_RUNNING) add(holders, d.name, host)
      else if (STOPPED.has(d.state)) add(stopped, d.name, host)
    }
  }
  return { t, holders, stopped, unreadable }
}

/** Samples until stopped; `stop()` resolves with every sample taken. */
export function startSampling(lab: KvmLab, intervalMs = 100): { stop(): Promise<PlacementSample[]> } {
  const samples: PlacementSample[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      samples.push(await samplePlacement(lab))
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return samples
    }
  }
}

/**
 * Every VM ran on exactly one host at every sample. A live migration's switch-over pauses the guest
 * (source paused, target not resumed yet: tens of milliseconds) and the hosts are not read in one
 * atomic snapshot, so a sample taken during a switch-over may show the VM running on none or both
 * of its two hosts: such samples are accepted only between a sample on the source and one on the
 * target (a move), spanning at most `maxSwitchMs`, and never with a third host. A lost VM (running
 * nowhere, or shut off anywhere) or a duplicate that lasts is reported, as is any VM missing from
 * the last sample.
 */
export function placementViolations(
  all: readonly PlacementSample[],
  vms: readonly string[],
  maxSwitchMs = 2000
): string[] {
  const problems: string[] = []
  // A sample missing a host proves nothing either way; there must be enough of the others.
  const samples = all.filter((s) => s.unreadable.length === 0)
  if (samples.length === 0) return ['no samples taken']
  for (const vm of vms) {
    const seq = samples.map((s) => ({ t: s.t, on: s.holders.get(vm) ?? [], stopped: s.stopped.get(vm) ?? [] }))
    // The end of a live migration with --undefinesource: for a moment the source still lists its
    // copy, stopped ("shut off, migrated"), while the guest already runs on the target. A stopped
    // copy anywhere else, or with no running one, is a lost VM.
    seq.forEach((s, k) => {
      const source = seq[k - 1]?.on
      const leftover = (h: string): boolean =>
        s.on.length === 1 && s.on[0] !== h && source?.length === 1 && source[0] === h
      const lost = s.stopped.filter((h) => !leftover(h))
      if (lost.length > 0) problems.push(`${vm} shut off on ${lost.join(',')} at ${s.t}`)
    })
    let i = 0
    while (i < seq.length) {
      if (seq[i]!.on.length === 1) {
        i++
        continue
      }
      let j = i
      while (j < seq.length && seq[j]!.on.length !== 1) j++
      const before = seq[i - 1]?.on[0]
      const after = seq[j]?.on[0]
      const seen = new Set(seq.slice(i, j).flatMap((s) => s.on))
      const ok =
        before !== undefined &&
        after !== undefined &&
        before !== after &&
        seq[j - 1]!.t - seq[i]!.t <= maxSwitchMs &&
        [...seen].every((h) => h === before || h === after)
      if (!ok)
        problems.push(
          `${vm} running on ${seq
            .slice(i, j)
            .map((s) => `[${s.on.join(',')}]`)
            .join(
              ' '
            )} for ${seq[j - 1]!.t - seq[i]!.t} ms from ${seq[i]!.t} (before: ${before ?? '-'}, after: ${after ?? '-'})`
        )
      i = j
    }
  }
  return problems
}

/** VM → host it runs on at the last sample. */
export function finalPlacement(samples: readonly PlacementSample[]): Map<string, string> {
  const last = samples.at(-1)
  return new Map(
    [...(last?.holders ?? new Map<string, string[]>())].filter(([, h]) => h.length === 1).map(([vm, h]) => [vm, h[0]!])
  )
}
