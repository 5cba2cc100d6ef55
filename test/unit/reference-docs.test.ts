import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { CS_ERRORS } from '../../api/cloudstack/cloudstack-error.js'
import type { CloudStackCommand } from '../../api/cloudstack/command-context.js'
import { CreateRunBody } from '../../api/schemas/run-schemas.js'
import { buildCli } from '../../cli/main.js'
import { RUN_EVENT_TYPES } from '../../shared/run-event.js'

// The reference pages (docs/api.md, docs/cli.md, docs/cloudstack.md) list things clients and
// scripts are written against: event types, error codes, request fields, commands and options.
// Each list must name exactly what the code has, so a new event, code, field or option cannot
// ship undocumented and a removed one cannot stay in the docs.
const ROOT = path.resolve(import.meta.dirname, '../..')
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')

/** The text under `heading` (a whole heading line) up to the next heading of the same or a higher level. */
function section(file: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length
  const lines = read(file).split('\n')
  const start = lines.indexOf(heading)
  if (start < 0) throw new Error(`${file} has no "${heading}" heading`)
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l))
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n')
}

/** Table rows of a section, as their cells. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-| ]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim())
    )
}

const codes = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)

describe('docs/api.md names what the API has', () => {
  it('#events lists every run event type, and no other', () => {
    const documented = rows(section('docs/api.md', '## Events'))
      .slice(1)
      .flatMap((r) => codes(r[0]!))
    expect(documented.sort()).toEqual([...RUN_EVENT_TYPES].sort())
  })

  it("#errors gives every domain error code the API maps, with the status it answers, and every code the API's own replies use", () => {
    const table = rows(section('docs/api.md', '## Errors')).slice(1)
    const statusOf = new Map<string, string>()
    for (const [status, cell] of table) for (const code of codes(cell!)) statusOf.set(code, status!)
    const handler = read('api/error-handler.ts')
    const mapping = /STATUS_BY_CODE[^{]*\{([^}]*)\}/.exec(handler)![1]!
    const mapped = [...mapping.matchAll(/([A-Z_]+): (\d{3})/g)].map((m) => [m[1]!, m[2]!] as const)
    expect(mapped.length).toBeGreaterThan(10)
    for (const [code, status] of mapped) expect(statusOf.get(code), code).toBe(status)
    // Codes written literally into replies (auth, not found, validation, Redis, internal).
    const apiSources = [
      'api/error-handler.ts',
      'api/plugins/auth.ts',
      'api/plugins/bull-board.ts',
      'api/plugins/console.ts',
      'api/routes/hosts/list-hosts.ts'
    ]
    const literal = apiSources.flatMap((f) =>
      [...read(f).matchAll(/error: ([^,}\n]*)/g)].flatMap((m) =>
        [...m[1]!.matchAll(/'([A-Z][A-Z_]+)'/g)].map((c) => c[1]!)
      )
    )
    expect(literal).toContain('UNAUTHORIZED')
    for (const code of literal) {
      // Bull Board's own 405 belongs to Bull Board, documented in the routes table.
      if (code === 'METHOD_NOT_ALLOWED') continue
      expect(statusOf.has(code), code).toBe(true)
    }
  })

  it('#start-a-run documents every field of the start request, and no other', () => {
    const documented = rows(section('docs/api.md', '### Start a run'))
      .slice(1)
      .filter((r) => r.length >= 4)
      .flatMap((r) => codes(r[0]!))
    expect(documented.sort()).toEqual(Object.keys(CreateRunBody.properties).sort())
  })
})

describe('docs/cli.md names every command and option', () => {
  const text = read('docs/cli.md')
  const all = (command: Command, prefix: string[] = []): Array<{ path: string[]; command: Command }> =>
    command.commands.flatMap((c) => {
      const p = [...prefix, c.name()]
      return c.commands.length > 0 ? all(c, p) : [{ path: p, command: c }]
    })

  it('every command has its own section with every one of its options', () => {
    const program = buildCli()
    const commands = all(program)
    expect(commands.length).toBeGreaterThan(10)
    for (const { path: words, command } of commands) {
      // pause and resume share one section.
      const heading = /^(pause|resume)$/.test(words.join(' ')) ? 'pause, resume' : words.join(' ')
      const body = section('docs/cli.md', `### ${heading}`)
      for (const option of command.options) expect(body, `${words.join(' ')} ${option.long}`).toContain(option.long!)
    }
    for (const option of program.options) expect(text, option.long).toContain(`\`${option.long}`)
  })
})

describe('docs/cloudstack.md names what /client/api has', () => {
  it('#commands lists every command with its role, and the errors table every error code', async () => {
    const dir = path.join(ROOT, 'api/cloudstack/commands')
    const commands: CloudStackCommand[] = []
    for (const file of readdirSync(dir)) {
      const mod = (await import(path.join(dir, file))) as Record<string, unknown>
      for (const value of Object.values(mod)) {
        const c = value as Partial<CloudStackCommand>
        if (typeof c?.name === 'string' && typeof c.handle === 'function') commands.push(c as CloudStackCommand)
      }
    }
    expect(commands.length).toBeGreaterThanOrEqual(4)
    const table = rows(section('docs/cloudstack.md', '## Commands')).filter((r) => r.length === 4)
    const roleOf = new Map(table.slice(1).map((r) => [codes(r[0]!)[0], r[1]]))
    expect([...roleOf.keys()].sort()).toEqual(commands.map((c) => c.name).sort())
    for (const c of commands) expect(roleOf.get(c.name), c.name).toBe(c.role)

    const errors = rows(section('docs/cloudstack.md', '### Errors')).slice(1)
    const documented = errors.map((r) => [Number(r[0]), Number(r[1])])
    expect(documented.sort()).toEqual(
      Object.values(CS_ERRORS)
        .map((e) => [e.errorcode, e.cserrorcode])
        .sort()
    )
  })
})
