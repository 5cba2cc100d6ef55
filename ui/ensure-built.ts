import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const built = path.join(root, 'dist/console/index.html')
/** What the console bundle is made of: its sources, the shared modules it imports, the locked packages. */
const inputs = [
  'ui/src',
  'ui/index.html',
  'ui/vite.config.ts',
  'shared/run-timeline.ts',
  'shared/run-timeline-mode-spans.ts',
  'shared/fleet-view.ts',
  'package-lock.json'
].map((p) => path.join(root, p))

function newestMtime(p: string): number {
  const st = statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  return readdirSync(p).reduce((max, f) => Math.max(max, newestMtime(path.join(p, f))), st.mtimeMs)
}

/**
 * Builds the web console into dist/console when it is missing or older than its sources: the
 * browser tests and the demo serve it from source checkouts where `npm run build` may never have run.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...inputs.filter((p) => existsSync(p)).map(newestMtime)))
    return
  // vite is a dev dependency: loaded only when a build is needed.
  const { build } = await import('vite')
  await build({ configFile: path.join(root, 'ui/vite.config.ts'), logLevel: 'warn' })
}
