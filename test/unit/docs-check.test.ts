// The documentation is part of the product: a link, an anchor, a cited section or a documented command
// that does not exist is a bug (docs/development.md#test-layers). This reads every Markdown file and
// every source file of the repository and checks them against each other and against the code.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import GithubSlugger from 'github-slugger'
import { Lexer, type Token, type Tokens } from 'marked'
import { describe, expect, it } from 'vitest'
import { buildCli } from '../../cli/main.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function trackedFiles(): string[] {
  // Tracked and new (not ignored) files: what a clone has, plus what is about to be committed.
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8'
  })
  return [...new Set(out.split('\n').filter((f) => f !== '' && existsSync(path.join(root, f))))]
}

const files = trackedFiles()
const markdownFiles = files.filter((f) => f.endsWith('.md'))
const textFiles = files.filter((f) => /\.(ts|tsx|js|mjs|md|sh|ya?ml|json|html|css)$/.test(f) || f === '.ci/run')

interface Doc {
  links: string[]
  anchors: Set<string>
  /** Commands shown: shell code blocks without their comments, and inline code spans. */
  code: string[]
}

function plainText(tokens: Token[] | undefined): string {
  if (!tokens) return ''
  return tokens
    .map((t) => {
      if ('tokens' in t && Array.isArray(t.tokens) && t.tokens.length > 0) return plainText(t.tokens)
      if (t.type === 'codespan' || t.type === 'text' || t.type === 'escape') return (t as Tokens.Text).text
      return 'text' in t && typeof t.text === 'string' ? t.text : ''
    })
    .join('')
}

function walk(tokens: Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t)
    if ('tokens' in t && Array.isArray(t.tokens)) walk(t.tokens, visit)
    if (t.type === 'list') walk((t as Tokens.List).items, visit)
    if (t.type === 'table') {
      const table = t as Tokens.Table
      for (const cell of [...table.header, ...table.rows.flat()]) walk(cell.tokens, visit)
    }
  }
}

/** Fenced blocks whose lines are commands (YAML, JSON or HTTP examples are not). */
const SHELL = new Set(['', 'sh', 'bash', 'shell', 'console'])

const docCache = new Map<string, Doc>()
function readDoc(file: string): Doc {
  const cached = docCache.get(file)
  if (cached) return cached
  const source = readFileSync(path.join(root, file), 'utf8')
  const slugger = new GithubSlugger()
  const doc: Doc = { links: [], anchors: new Set(), code: [] }
  walk(new Lexer().lex(source), (t) => {
    if (t.type === 'heading') doc.anchors.add(slugger.slug(plainText((t as Tokens.Heading).tokens)))
    if (t.type === 'link' || t.type === 'image') doc.links.push((t as Tokens.Link).href)
    // An inline span is a command only when it starts with one (not a quoted log line that names rollmaint).
    const span = t.type === 'codespan' ? (t as Tokens.Codespan).text : ''
    if (/^(npx |npm )|^rollmaint /.test(span)) doc.code.push(span)
    if (t.type === 'code' && SHELL.has((t as Tokens.Code).lang ?? '')) {
      doc.code.push(...(t as Tokens.Code).text.split('\n').map((line) => line.replace(/(^|\s)#.*$/, '')))
    }
    if (t.type === 'html' || t.type === 'text') {
      for (const m of (t as Tokens.HTML).raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) doc.anchors.add(m[1]!)
      for (const m of (t as Tokens.HTML).raw.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)) doc.links.push(m[1]!)
    }
  })
  docCache.set(file, doc)
  return doc
}

const isExternal = (href: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(href)

/** Checks a repository-relative target (`docs/api.md#errors`); returns a problem or undefined. */
function checkTarget(target: string, anchor: string | undefined): string | undefined {
  const full = path.join(root, target)
  if (!existsSync(full)) return `${target} does not exist`
  if (anchor === undefined || anchor === '') return undefined
  if (!target.endsWith('.md') || statSync(full).isDirectory()) return `${target}#${anchor}: anchors only in Markdown`
  return readDoc(target).anchors.has(decodeURIComponent(anchor)) ? undefined : `${target} has no section #${anchor}`
}

function resolveLink(from: string, href: string): { target: string; anchor: string | undefined } {
  const [pathPart = '', anchor] = href.split('#', 2)
  const target = pathPart === '' ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), pathPart))
  return { target, anchor }
}

describe('documentation', () => {
  it('every relative Markdown link and anchor exists; the README links only inside the repository', () => {
    const problems: string[] = []
    let checked = 0
    for (const file of markdownFiles) {
      for (const href of readDoc(file).links) {
        if (isExternal(href)) {
          if (file === 'README.md') problems.push(`README.md links outside the repository: ${href}`)
          continue
        }
        if (href.startsWith('/')) {
          problems.push(`${file}: ${href} is absolute; use a relative link`)
          continue
        }
        const { target, anchor } = resolveLink(file, href)
        if (target.startsWith('..')) problems.push(`${file}: ${href} points outside the repository`)
        const problem = checkTarget(target, anchor)
        if (problem) problems.push(`${file}: link ${href}: ${problem}`)
        checked++
      }
    }
    expect(problems).toEqual([])
    expect(checked).toBeGreaterThan(50)
  })

  it('every docs/ section cited in code, tests and pages exists', () => {
    const problems: string[] = []
    let cited = 0
    for (const file of textFiles) {
      if (file === 'test/unit/docs-check.test.ts') continue
      const text = readFileSync(path.join(root, file), 'utf8')
      for (const m of text.matchAll(/(?<![\w/.-])docs\/([a-z0-9-]+(?:\/[a-z0-9-]+)*\.md)(?:#([a-z0-9-]+))?/g)) {
        const problem = checkTarget(`docs/${m[1]}`, m[2])
        if (problem) problems.push(`${file}: cites ${m[0]}: ${problem}`)
        if (!file.endsWith('.md')) cited++
      }
    }
    expect(problems).toEqual([])
    // Code comments and tests cite the docs for the behaviour they implement.
    expect(cited).toBeGreaterThan(20)
  })

  it('nothing refers to a document outside the repository', () => {
    // Built from parts so this file does not match itself.
    const outside = new RegExp(['\\.\\./shared/', 'spec'].join('') + '|' + ['spec', '[ -][0-9]'].join(''), 'i')
    const problems = textFiles
      .filter((f) => f !== 'package-lock.json')
      .flatMap((f) =>
        readFileSync(path.join(root, f), 'utf8')
          .split('\n')
          .map((line, i) => (outside.test(line) ? `${f}:${i + 1}: ${line.trim()}` : undefined))
          .filter((p): p is string => p !== undefined)
      )
    expect(problems).toEqual([])
  })

  it('every docs/ page is reachable from the README', () => {
    const seen = new Set<string>(['README.md'])
    const queue = ['README.md']
    while (queue.length > 0) {
      const file = queue.shift()!
      for (const href of readDoc(file).links) {
        if (isExternal(href)) continue
        const { target } = resolveLink(file, href)
        if (target.endsWith('.md') && existsSync(path.join(root, target)) && !seen.has(target)) {
          seen.add(target)
          queue.push(target)
        }
      }
    }
    const pages = markdownFiles.filter((f) => f.startsWith('docs/'))
    expect(pages.length).toBeGreaterThan(5)
    expect(pages.filter((p) => !seen.has(p))).toEqual([])
  })

  it('every npm script and rollmaint command shown in the docs exists', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: object }).scripts
    const builtIn = new Set(['ci', 'install', 'i', 'view', 'exec', 'pack', 'publish', 'ls'])
    const program = buildCli()
    const problems: string[] = []
    let commands = 0
    for (const file of markdownFiles) {
      for (const code of readDoc(file).code) {
        for (const m of code.matchAll(/\bnpm\s+(run\s+)?([a-z][a-z0-9:_-]*)/g)) {
          const script = m[2]!
          if (!m[1] && builtIn.has(script)) continue
          if (!(script in scripts)) problems.push(`${file}: \`${m[0]}\`: no npm script "${script}"`)
          commands++
        }
        // A command is `rollmaint ...` at the start of a line or after a shell operator, not prose.
        for (const m of code.matchAll(/(?:^|[;&|(]\s*|\$\s+|npx\s+)rollmaint((?:\s+[a-z][a-z-]*)+)/gm)) {
          const words = m[1]!.trim().split(/\s+/)
          let command = program
          for (const word of words) {
            if (command.commands.length === 0) break
            const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word))
            if (!sub) {
              problems.push(`${file}: \`rollmaint ${words.join(' ')}\`: no command "${word}"`)
              break
            }
            command = sub
          }
          commands++
        }
      }
    }
    expect(problems).toEqual([])
    expect(commands).toBeGreaterThan(10)
  })
})
