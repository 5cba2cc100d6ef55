#!/usr/bin/env node
// The `rollmaint` command. Uses the build when there is one (`npm run build`), else runs the
// TypeScript sources through tsx, so it works right after `npm ci` on a fresh clone.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
let cli
if (existsSync(built)) {
  cli = await import(pathToFileURL(built).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  cli = await import(new URL('../cli/main.ts', import.meta.url).href)
}
process.exitCode = await cli.runCli(process.argv)
