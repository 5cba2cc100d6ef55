import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { STAGE_BUCKETS } from '../../shared/metrics/stage-buckets.js'
import { RUN_STATUSES } from '../../shared/types.js'

// docs/operations.md#metrics-and-alerts lists what /metrics exposes; operators build alerts on those
// names, so the table must name exactly what api/plugins/metrics.ts defines.
const ROOT = path.resolve(import.meta.dirname, '../..')
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')

function documentedMetrics(): Map<string, string> {
  const section = read('docs/operations.md')
    .split(/^## Metrics and alerts$/m)[1]
    ?.split(/^## /m)[0]
  if (!section) throw new Error('docs/operations.md has no "## Metrics and alerts" section')
  const rows = new Map<string, string>()
  for (const line of section.split('\n')) {
    const m = /^\| `(rollmaint_[a-z_]+)` \|(.*)\|$/.exec(line)
    if (m) rows.set(m[1]!, m[2]!)
  }
  return rows
}

function definedMetrics(): string[] {
  const source = read('api/plugins/metrics.ts')
  const names = [...source.matchAll(/name: '(rollmaint_[a-z_]+)'/g)].map((m) => m[1]!)
  const histograms = [...source.matchAll(/# TYPE (rollmaint_[a-z_]+) histogram/g)].map((m) => m[1]!)
  return [...names, ...histograms].sort()
}

describe('docs/operations.md lists the metrics /metrics exposes', () => {
  it('the metrics table names every metric the API defines, and no other', () => {
    expect(definedMetrics().length).toBeGreaterThanOrEqual(5)
    expect([...documentedMetrics().keys()].sort()).toEqual(definedMetrics())
  })

  it('the documented label values are the ones the code produces', () => {
    const rows = documentedMetrics()
    for (const status of RUN_STATUSES) expect(rows.get('rollmaint_runs'), status).toContain(`\`${status}\``)
    // Workers count every error whose code starts with SSH_ or HOST_KEY_ (store/metrics/record-ssh-failure.ts).
    const sshCodes = readdirSync(path.join(ROOT, 'shared/errors'))
      .map((f) => /code = '((?:SSH_|HOST_KEY_)\w+)'/.exec(read(`shared/errors/${f}`))?.[1])
      .filter((c): c is string => c !== undefined)
    expect(sshCodes.length).toBeGreaterThanOrEqual(5)
    for (const code of sshCodes)
      expect(rows.get('rollmaint_ssh_connection_failures_total'), code).toContain(`\`${code}\``)
    const outcomes = /export type StageOutcome = (.*)/.exec(read('shared/metrics/stage-buckets.ts'))![1]!
    for (const [, outcome] of outcomes.matchAll(/'([a-z-]+)'/g))
      expect(rows.get('rollmaint_stage_duration_seconds'), outcome).toContain(`\`${outcome}\``)
    expect(rows.get('rollmaint_stage_duration_seconds')).toContain(STAGE_BUCKETS.join(', '))
  })
})
