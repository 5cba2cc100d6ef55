import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// docs/development.md#code-map: a request flows api → service → workers → store → shared and the
// imports follow that order, never back; the CLI and the console reach the rest over HTTP only.
const ROOT = path.resolve(import.meta.dirname, '../..')

const MAY_IMPORT: Record<string, readonly string[]> = {
  api: ['api', 'service', 'store', 'shared'],
  service: ['service', 'workers', 'store', 'shared'],
  workers: ['workers', 'store', 'shared'],
  store: ['store', 'shared'],
  shared: ['shared'],
  cli: ['cli', 'shared'],
  'ui/src': ['ui/src', 'shared']
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
}

/** Relative module specifiers of a file: `from '...'`, `import '...'` and `import('...')`, type-only ones too. */
function relativeImports(text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!)
  return [...new Set(specs)]
}

/** The layer (a key of MAY_IMPORT) a repository path belongs to, or its top-level folder. */
function layerOf(file: string): string {
  if (file.startsWith('ui/src/')) return 'ui/src'
  return file.split('/')[0]!
}

function backEdges(): string[] {
  const found: string[] = []
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sourceFiles(layer)) {
      for (const spec of relativeImports(readFileSync(path.join(ROOT, file), 'utf8'))) {
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec))
        if (!allowed.includes(layerOf(target))) found.push(`${file} imports ${target}`)
      }
    }
  }
  return found
}

describe('imports follow the flow request → service → worker → store → shared (docs/development.md#code-map)', () => {
  it('reads import forms the way TypeScript writes them', () => {
    const text = [
      "import type { A } from '../store/a.js'",
      "import { b } from './b.js'",
      "import './side-effect.js'",
      "const c = await import('../workers/c.js')",
      "import { d } from 'node:fs'"
    ].join('\n')
    expect(relativeImports(text)).toEqual(['../store/a.js', './b.js', './side-effect.js', '../workers/c.js'])
  })

  it('no folder imports from a layer above it', () => {
    expect(backEdges()).toEqual([])
  })

  it('every layer has files, so a moved folder cannot make the check vacuous', () => {
    for (const layer of Object.keys(MAY_IMPORT)) expect(sourceFiles(layer).length, layer).toBeGreaterThan(0)
  })
})
