import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONFIG_ENV_VARS, loadConfig } from '../../shared/config.js'
import { ConfigError } from '../../shared/errors/config-error.js'

// docs/configuration.md#environment-variables is the operators' reference: this keeps it and
// loadConfig from drifting apart (names, defaults and ranges).
const ROOT = path.resolve(import.meta.dirname, '../..')
const CWD = '/srv/rollmaint'

interface DocumentedVariable {
  name: string
  values: string
  defaultCell: string
}

function documentedVariables(): DocumentedVariable[] {
  const text = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8')
  const section = text.split(/^## Environment variables$/m)[1]?.split(/^## /m)[0]
  if (!section) throw new Error('docs/configuration.md has no "## Environment variables" section')
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim())
      return { name: cells[0]!.replaceAll('`', ''), values: cells[1]!, defaultCell: cells[2]! }
    })
}

/** The variable names loadConfig looks at, observed (not listed by hand): every read of the env object. */
function variablesLoadConfigReads(): string[] {
  const read = new Set<string>()
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(target, key) {
      if (typeof key === 'string') read.add(key)
      return Reflect.get(target, key) as unknown
    }
  })
  loadConfig(env, CWD)
  return [...read].sort()
}

const documented = documentedVariables()
/** A default cell that is a single code span (`1800`) is a literal value; prose (HOST's) is not checked. */
const literalDefault = (cell: string): string | undefined => /^`([^`]+)`$/.exec(cell)?.[1]

describe('docs/configuration.md documents exactly what loadConfig reads', () => {
  it('the table names every variable loadConfig reads, and no other', () => {
    expect(documented.map((v) => v.name).sort()).toEqual(variablesLoadConfigReads())
  })

  it('CONFIG_ENV_VARS (what deployment files are checked against) is that same list', () => {
    expect([...CONFIG_ENV_VARS].sort()).toEqual(variablesLoadConfigReads())
  })

  it('each documented default is what loadConfig uses when the variable is unset', () => {
    const defaults = loadConfig({}, CWD)
    const checked = documented.filter((v) => literalDefault(v.defaultCell) !== undefined)
    expect(checked.length).toBeGreaterThan(15)
    for (const v of checked) {
      expect(loadConfig({ [v.name]: literalDefault(v.defaultCell) }, CWD), v.name).toEqual(defaults)
    }
  })

  it('each documented range min..max is the one loadConfig enforces', () => {
    const ranged = documented.flatMap((v) => {
      const m = /`(\d+)\.\.(\d+)`/.exec(v.values)
      return m ? [{ name: v.name, min: Number(m[1]), max: Number(m[2]) }] : []
    })
    expect(ranged.length).toBeGreaterThan(10)
    // The lease must stay shorter than the job lock: each is tried with the other at its far end.
    const partner: Record<string, Record<string, string>> = {
      ROLLMAINT_LEASE_TTL_MS: { ROLLMAINT_JOB_LOCK_MS: '600000' },
      ROLLMAINT_JOB_LOCK_MS: { ROLLMAINT_LEASE_TTL_MS: '1000' }
    }
    const env = (name: string, value: number): Record<string, string> => ({
      ...partner[name],
      [name]: String(value)
    })
    const refused = (name: string, value: number): void => {
      expect(() => loadConfig(env(name, value), CWD), `${name}=${value}`).toThrow(ConfigError)
      expect(() => loadConfig(env(name, value), CWD), `${name}=${value}`).toThrow(name)
    }
    for (const { name, min, max } of ranged) {
      expect(() => loadConfig(env(name, min), CWD), `${name}=${min}`).not.toThrow()
      expect(() => loadConfig(env(name, max), CWD), `${name}=${max}`).not.toThrow()
      refused(name, max + 1)
      if (min > 0) refused(name, min - 1)
    }
  })
})
