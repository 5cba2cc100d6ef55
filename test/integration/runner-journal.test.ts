import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { journalPath } from '../../workers/ssh/stage-files.js'
import { LocalRunner } from '../support/local-runner.js'
import { readStageRecord } from '../support/stage-journal.js'

/**
 * The run's journal on a host (workers/ssh/runner-program.ts, rm_claim): a stage is claimed by
 * appending a line and reading the journal back, the first claim wins. Many shells asking for the
 * same stage at the same moment (workers taking over from each other) start it once, and every
 * one of them answers its result.
 */
let dir: string
const runners: LocalRunner[] = []

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rm-journal-'))
  for (const d of ['hooks', 'state']) mkdirSync(`${dir}/${d}`)
  writeFileSync(`${dir}/boot_id`, 'boot-1\n')
  // Each start leaves a line in `starts`: the stage's run id.
  writeFileSync(
    `${dir}/hooks/Maintenance`,
    `#!/bin/sh\nprintf '%s\\n' "$ROLLMAINT_RUN_ID" >> ${dir}/starts\nsleep 0.3\necho once\nexit 4\n`
  )
  chmodSync(`${dir}/hooks/Maintenance`, 0o755)
  writeFileSync(`${dir}/starts`, '')
})
afterEach(() => {
  for (const r of runners.splice(0)) r.kill()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const runner = (): LocalRunner => {
  const r = new LocalRunner({ stateDir: `${dir}/state`, hooksDir: `${dir}/hooks`, bootIdPath: `${dir}/boot_id` })
  runners.push(r)
  return r
}

describe('claims in the journal', () => {
  it('8 shells asking for the same stage at the same moment: one start, all answer its result', async () => {
    const shells = Array.from({ length: 8 }, runner)
    // Every shell has read the program and is waiting for a request.
    shells.forEach((s, i) => s.sh.stdin.write(`rm_has ready${i} Maintenance\n`))
    await Promise.all(shells.map((s, i) => s.reply(`ready${i}`)))
    let claims = 0
    for (let round = 0; round < 6; round++) {
      const run = `race-${round}`
      shells.forEach((s, i) => s.send(`${run}-${i}`, run, 'Maintenance'))
      const replies = await Promise.all(shells.map((s, i) => s.reply(`${run}-${i}`)))
      for (const r of replies) expect(r).toMatchObject({ kind: 'exited', code: '4' })
      const starts = readFileSync(`${dir}/starts`, 'utf8').split('\n')
      expect(starts.filter((l) => l === run)).toHaveLength(1)
      const record = readStageRecord(`${dir}/state`, run, 'h1', 'Maintenance')!
      expect(record).toMatchObject({ exitCode: 4 })
      // Only the shell whose claim is first wrote the stage's start and end.
      const journal = readFileSync(journalPath(`${dir}/state`, run, 'h1'), 'utf8')
      expect(journal.match(/ Maintenance p /g)).toHaveLength(1)
      expect(journal.match(/ Maintenance x /g)).toHaveLength(1)
      claims += record.claims
    }
    // Shells that found no claim yet made one each: the race itself was run, not only the re-attach.
    expect(claims).toBeGreaterThan(6)
  })
})
