import type { HostConfig } from '../../../shared/types.js'
import type { HostSession } from '../../host-executor.js'
import { lockDirOf, vmOfLockFile, type LibvirtSettings } from './libvirt-settings.js'
import { parseDomStats, parseNodeMemStats, virshError, type DomainStat, type NodeMemory } from './parse-virsh.js'

/**
 * One round trip per host: its active domains, its memory, and which VMs have a migration in
 * flight (their lock is held by a `virsh migrate` still running, possibly started by a worker that
 * died). Sections are marked so one parse reads all three.
 */
const PROBE = [
  'uri=$1 dir=$2',
  'mkdir -p "$dir" 2>/dev/null',
  'echo @@domstats',
  'virsh -c "$uri" domstats --list-active --state --balloon || exit 11',
  'echo @@mem',
  'virsh -c "$uri" nodememstats || exit 12',
  'echo @@locks',
  'for f in "$dir"/migrate-*.lock; do [ -e "$f" ] || continue; flock -n "$f" true 2>/dev/null || echo "${f##*/}"; done',
  'exit 0'
].join('\n')

export interface HostProbe {
  domains: DomainStat[]
  memory: NodeMemory
  /** VMs whose migration lock is held right now. */
  migrating: Set<string>
}

export function probeArgv(settings: LibvirtSettings, host: HostConfig): string[] {
  return ['sh', '-c', PROBE, 'rollmaint-probe', settings.libvirtUri, lockDirOf(host)]
}

export function parseProbe(stdout: string): HostProbe {
  const sections = new Map<string, string>()
  let name: string | undefined
  let body: string[] = []
  for (const line of stdout.split('\n')) {
    const mark = /^@@(\w+)$/.exec(line)
    if (mark) {
      if (name) sections.set(name, body.join('\n'))
      name = mark[1]
      body = []
    } else body.push(line)
  }
  if (name) sections.set(name, body.join('\n'))
  const migrating = new Set(
    (sections.get('locks') ?? '')
      .split('\n')
      .map((l) => vmOfLockFile(l.trim()))
      .filter((v): v is string => v !== undefined)
  )
  return {
    domains: parseDomStats(sections.get('domstats') ?? ''),
    memory: parseNodeMemStats(sections.get('mem') ?? ''),
    migrating
  }
}

/** Rejects with a message naming the host and libvirt's error when the host cannot be read. */
export async function probeHost(session: HostSession, settings: LibvirtSettings, host: HostConfig): Promise<HostProbe> {
  const r = await session.exec(probeArgv(settings, host), { timeoutMs: 60_000 })
  if (r.exitCode !== 0) {
    const what =
      r.exitCode === 11 ? 'list its domains' : r.exitCode === 12 ? 'read its memory' : 'read its domains and memory'
    throw new Error(
      `cannot ${what} with virsh -c ${settings.libvirtUri} on host ${host.name}: ${virshError(r.stderr, r.stdout)}`
    )
  }
  return parseProbe(r.stdout)
}
