import type { HostConfig } from '../../../shared/types.js'
import type { HostSession } from '../../host-executor.js'
import { lockDirOf, lockFileName, migrationUriFor, type LibvirtSettings } from './libvirt-settings.js'
import { parseDomJobInfo, virshError } from './parse-virsh.js'

/**
 * Runs on the source host. The lock (one per VM, held by virsh itself through fd 9 for as long as
 * it runs) makes a second migration of the same VM impossible, even by a worker that took over from
 * one that died mid-migration: it gets 75 and waits. 76: the VM is no longer on this host.
 */
const MIGRATE = [
  'lock=$1 uri=$2 vm=$3 dest=$4',
  'mkdir -p "${lock%/*}" || exit 1',
  'exec 9>>"$lock" || exit 1',
  'flock -n 9 || exit 75',
  'if ! out=$(virsh -c "$uri" domstate "$vm" 2>&1); then',
  '  case "$out" in *"failed to get domain"*|*"Domain not found"*|*"no domain with matching name"*) exit 76 ;; esac',
  '  echo "$out" >&2; exit 1',
  'fi',
  'exec virsh -c "$uri" migrate --live --persistent --undefinesource "$vm" "$dest"'
].join('\n')

export const EXIT_BUSY = 75
export const EXIT_GONE = 76

export type MigrateResult =
  | { kind: 'migrated'; durationMs: number; downtimeMs?: number | undefined }
  /** Another migration of this VM (an earlier worker's) still holds its lock. */
  | { kind: 'busy' }
  /** The VM left the source before this attempt started (an earlier worker's migration finished). */
  | { kind: 'gone' }
  | { kind: 'failed'; reason: string }

export interface MigrateRequest {
  vm: string
  source: HostConfig
  sourceSession: HostSession
  target: HostConfig
  targetSession: HostSession
  settings: LibvirtSettings
  targetSettings: LibvirtSettings
}

const NOT_FOUND = /failed to get domain|Domain not found|no domain with matching name/i

/** `virsh domstate` on one host: the state word, 'absent', or an error text. */
export async function domainState(
  session: HostSession,
  uri: string,
  vm: string
): Promise<{ state: string } | { absent: true } | { error: string }> {
  const r = await session.exec(['virsh', '-c', uri, 'domstate', vm], { timeoutMs: 30_000 })
  if (r.exitCode === 0) return { state: r.stdout.trim().split('\n')[0]!.trim() }
  if (NOT_FOUND.test(r.stderr)) return { absent: true }
  return { error: virshError(r.stderr, r.stdout) }
}

/** libvirt's own account of the finished incoming migration, read on the target. */
export async function completedJob(
  session: HostSession,
  uri: string,
  vm: string
): Promise<{ elapsedMs?: number | undefined; downtimeMs?: number | undefined }> {
  const r = await session
    .exec(['virsh', '-c', uri, 'domjobinfo', '--completed', vm], { timeoutMs: 30_000 })
    .catch(() => undefined)
  return r && r.exitCode === 0 ? parseDomJobInfo(r.stdout) : {}
}

/**
 * One live migration, bounded by `migrationTimeout` (past it the job is aborted with
 * `virsh domjobabort` and the VM stays on the source), then checked on both ends: running on the
 * target, gone from the source. Never throws for libvirt's errors; a lost connection rejects.
 */
export async function migrateVm(req: MigrateRequest): Promise<MigrateResult> {
  const { vm, source, sourceSession, target, targetSession, settings } = req
  const uri = settings.libvirtUri
  const dest = migrationUriFor(settings, target)
  const where = `VM ${vm} could not be migrated from ${source.name} to ${target.name}`
  const startedAt = Date.now()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    // The migrate command then ends with libvirt's "operation aborted" and the VM keeps running on the source.
    sourceSession.exec(['virsh', '-c', uri, 'domjobabort', vm], { timeoutMs: 30_000 }).catch(() => undefined)
  }, settings.migrationTimeout * 1000)
  let reply
  try {
    reply = await sourceSession.exec(
      ['sh', '-c', MIGRATE, 'rollmaint-migrate', `${lockDirOf(source)}/${lockFileName(vm)}`, uri, vm, dest],
      {
        // Past the abort, give libvirt time to roll the job back before the host's timeout kills virsh.
        timeoutMs: settings.migrationTimeout * 1000 + 60_000
      }
    )
  } finally {
    clearTimeout(timer)
  }
  const durationMs = Date.now() - startedAt
  if (reply.exitCode === EXIT_BUSY) return { kind: 'busy' }
  if (reply.exitCode === EXIT_GONE) return { kind: 'gone' }
  if (reply.exitCode !== 0) {
    const libvirt = virshError(reply.stderr, reply.stdout)
    return {
      kind: 'failed',
      reason: timedOut
        ? `${where}: it exceeded migrationTimeout (${settings.migrationTimeout} s) and was aborted (${libvirt})`
        : `${where}: ${libvirt}`
    }
  }
  const [onTarget, onSource] = await Promise.all([
    domainState(targetSession, req.targetSettings.libvirtUri, vm),
    domainState(sourceSession, uri, vm)
  ])
  if (!('state' in onTarget) || !/^(running|paused)/.test(onTarget.state)) {
    const seen =
      'state' in onTarget ? `it is ${onTarget.state} there` : 'absent' in onTarget ? 'it is not there' : onTarget.error
    return {
      kind: 'failed',
      reason: `VM ${vm}: virsh migrate to ${target.name} reported success but the VM does not run on ${target.name} (${seen})`
    }
  }
  if (!('absent' in onSource)) {
    const seen = 'state' in onSource ? `it is still defined there, ${onSource.state}` : onSource.error
    return { kind: 'failed', reason: `VM ${vm}: migrated to ${target.name} but not gone from ${source.name} (${seen})` }
  }
  const job = await completedJob(targetSession, req.targetSettings.libvirtUri, vm)
  return { kind: 'migrated', durationMs, downtimeMs: job.downtimeMs }
}
