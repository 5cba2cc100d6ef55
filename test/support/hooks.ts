import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { StageName } from '../../shared/types.js'
import type { SshdFleet } from './sshd-fleet.js'

export interface HookSpec {
  sleepSec?: number
  exitCode?: number
  stdout?: string
}

/** Replaces every stage script of the given hosts: a logging script per stage given, none for stages left out. */
export function setHooks(fleet: SshdFleet, hosts: string[], stages: Partial<Record<StageName, HookSpec>>): void {
  for (const name of hosts) {
    const dir = fleet.hostConfig(name).hooksDir
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { force: true })
    for (const [stage, spec] of Object.entries(stages)) {
      const file = path.join(dir, stage)
      writeFileSync(file, fleet.loggingHook(spec))
      chmodSync(file, 0o755)
    }
  }
}
