import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { StageName } from '../../shared/types.js'
import { journalPath } from '../../workers/ssh/stage-files.js'

/** What a run's journal on a host says of one stage, read by the rules the runner reads it by. */
export interface StageRecord {
  /** Every claim line for the stage (the first one is the stage's). */
  claims: number
  /** The runner shell that started the stage, its boot id then, and its output file in runs/ (`-`: direct). */
  shell: number
  bootId: string
  outputFile: string
  /** Once started: the script's pid, its deadline (centiseconds since boot) and the group its timeout signals. */
  pid?: number | undefined
  deadline?: number | undefined
  group?: number | undefined
  /** Once ended: its exit status, and whether the timeout ended it. */
  exitCode?: number | undefined
  timedOut: boolean
  /** The shell's next stage has since taken over its output file. */
  released: boolean
}

const num = (v: string | undefined): number | undefined => (v === undefined || v === '-' ? undefined : Number(v))

/**
 * One stage's record from the lines of a journal (workers/ssh/runner-program.ts, rm_j): whole lines
 * only (the last word "."), the first claim's shell is the stage's. undefined: never claimed.
 */
export function stageRecordOf(journal: string, stage: StageName): StageRecord | undefined {
  let record: StageRecord | undefined
  let claims = 0
  for (const line of journal.split('\n')) {
    const w = line.split(' ')
    if (w[0] !== 'rm_j' || w[1] !== stage || w.at(-1) !== '.') continue
    if (w[2] === 'c' && w.length === 8) {
      claims++
      record ??= { claims: 0, shell: Number(w[3]), bootId: w[4]!, outputFile: w[5]!, timedOut: false, released: false }
    } else if (record && w[2] === 'p' && w.length === 7) {
      record.pid = num(w[3])
      record.deadline = num(w[4])
      record.group = num(w[5]) ?? record.pid
    } else if (record && w[2] === 'x' && w.length === 6) {
      record.exitCode = Number(w[3])
      record.timedOut = w[4] === 'timedout'
    } else if (record && w[2] === 'r' && w.length === 4) record.released = true
  }
  return record && { ...record, claims }
}

/** One stage's record on a host (stateDir), or undefined when the run's journal has no claim for it. */
export function readStageRecord(
  stateDir: string,
  runId: string,
  hostId: string,
  stage: StageName
): StageRecord | undefined {
  const file = journalPath(stateDir, runId, hostId)
  return existsSync(file) ? stageRecordOf(readFileSync(file, 'utf8'), stage) : undefined
}

/** The file that holds a stage's output: its runner shell's, in runs/. */
export function stageOutputPath(stateDir: string, record: StageRecord): string {
  return path.join(stateDir, 'runs', record.outputFile)
}

/** Every stage of every run on a host (stateDir) that was claimed and has no exit status yet. */
export function runningStageRecords(stateDir: string): StageRecord[] {
  const runs = path.join(stateDir, 'runs')
  if (!existsSync(runs)) return []
  const out: StageRecord[] = []
  for (const name of readdirSync(runs).filter((n) => n.endsWith('.journal'))) {
    let text: string
    try {
      text = readFileSync(path.join(runs, name), 'utf8')
    } catch {
      continue // removed meanwhile (a cleanup)
    }
    const stages = new Set(text.split('\n').map((l) => l.split(' ')[1]))
    for (const stage of stages) {
      const r = stage ? stageRecordOf(text, stage as StageName) : undefined
      if (r && r.exitCode === undefined) out.push(r)
    }
  }
  return out
}
