import { ensureConsoleBuilt } from '../../ui/ensure-built.js'

/** Vitest global setup: the browser tests drive the console the API serves from dist/console. */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt()
}
