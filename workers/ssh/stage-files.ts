import { createHash } from 'node:crypto'
import path from 'node:path'
import type { StageName } from '../../shared/types.js'

/**
 * Where the runner keeps a stage's state on the host (docs/stage-scripts.md#how-scripts-run-on-the-host):
 * every file of every stage directly in `<stateDir>/runs/`, named `<run>.<hostKey>.<Stage>.<file>`.
 * One directory that exists once the host's first session made it, so a new run or stage creates
 * no directory (a `mkdir` was one host process per run).
 */
export const STAGE_FILES = ['claim'] as const
/**
 * Files of their own in older runners, still read for the stages those started: now lines of the
 * run's journal on the host (journalPath; a stage's `claim` file before it), and `output`, now one
 * file per runner shell (`runs/session.<boot>.<clock>.<pid>.output`, named by the stage's claim)
 * emptied for each stage it starts.
 */
export const OLDER_STAGE_FILES = ['output', 'boot_id', 'pgid', 'supervisor', 'timedout', 'exit'] as const
export type StageFile = (typeof STAGE_FILES)[number] | (typeof OLDER_STAGE_FILES)[number]

/** Longest host key (UTF-8 bytes) used as it is; longer ones are hashed: names stay below NAME_MAX (255 bytes). */
const MAX_KEY = 128

/**
 * The host id as it appears in the state files' names. Why the names are unambiguous with `.` as
 * the separator: the runner accepts only run ids and stage names of `[0-9A-Za-z_-]` (run ids are
 * lower-case UUIDs, shared/run-id.ts; stages are the four fixed names) and the file suffixes have
 * no `.`, so the first `.` ends the run id and the last two fields are stage and file; whatever
 * lies between is the host key, which may itself contain `.` (host ids are FQDNs, UUIDs, or any
 * string without whitespace or commas: shared/inventory-schema.ts). Only `/` cannot be in a file
 * name: it becomes `%2F`, and `%` becomes `%25` so that the encoding is one-to-one. A key over
 * 128 bytes (host ids may have 255 characters, not all ASCII) becomes `%h` + its SHA-256, a form
 * the encoding never produces (its `%` is always followed by `2`). Pure.
 */
export function hostFileKey(hostId: string): string {
  const key = hostId.replaceAll('%', '%25').replaceAll('/', '%2F')
  if (Buffer.byteLength(key) <= MAX_KEY) return key
  return `%h${createHash('sha256').update(hostId).digest('hex')}`
}

/** The common start of a stage's file names on the host; append a StageFile. Pure. */
export function stageFilePrefix(stateDir: string, runId: string, hostId: string, stage: StageName): string {
  return path.posix.join(stateDir, 'runs', `${runId}.${hostFileKey(hostId)}.${stage}.`)
}

/**
 * The journal of one run on one host: every stage's claim, start, end and release, one line each
 * (workers/ssh/runner-program.ts, rm_j), `<stateDir>/runs/<run>.<hostKey>.journal`. Pure.
 */
export function journalPath(stateDir: string, runId: string, hostId: string): string {
  return path.posix.join(stateDir, 'runs', `${runId}.${hostFileKey(hostId)}.journal`)
}

/** One file of a stage's state on the host, as older runners kept it (a stage now creates none). Pure. */
export function stageFilePath(
  stateDir: string,
  runId: string,
  hostId: string,
  stage: StageName,
  file: StageFile
): string {
  return stageFilePrefix(stateDir, runId, hostId, stage) + file
}
