import type { MaintenanceConfig } from '../../shared/maintenance-config.js'
import { substitutePlaceholders } from '../../shared/placeholders.js'
import type { DriverContext, EnterOutcome, ExitOutcome, MaintenanceDriver } from './maintenance-driver.js'
import { runLocalCommand, type LocalCommandResult } from './run-local-command.js'
import { workerChildEnv } from '../worker-child-env.js'

type CommandConfig = Extract<MaintenanceConfig, { driver: 'command' }>
type Phase = 'EnterMaintenance' | 'ExitMaintenance'

/** The worker's own settings (Redis URL with its password, API keys file...) are not the command's business. */
export function commandArgv(template: readonly string[], ctx: Pick<DriverContext, 'host'>): string[] {
  const values = {
    'host.id': ctx.host.id,
    'host.name': ctx.host.name,
    'host.address': ctx.host.address,
    'cluster.id': ctx.host.clusterId
  }
  return template.map((arg) => substitutePlaceholders(arg, values))
}

export function commandEnv(
  phase: Phase,
  ctx: Pick<DriverContext, 'host' | 'runId' | 'payload'>,
  base: NodeJS.ProcessEnv
): NodeJS.ProcessEnv {
  return workerChildEnv(base, {
    ROLLMAINT_STAGE: phase,
    ROLLMAINT_RUN_ID: ctx.runId,
    ROLLMAINT_HOST_ID: ctx.host.id,
    ROLLMAINT_HOST_NAME: ctx.host.name,
    ...(ctx.payload !== undefined ? { ROLLMAINT_PAYLOAD: ctx.payload } : {})
  })
}

/** Why a command did not succeed, with its kept output so the operator sees the command's own words. */
export function describeFailure(
  program: string,
  result: Exclude<LocalCommandResult, { kind: 'exited'; exitCode: 0 }>,
  timeoutSeconds: number
): string {
  const withOutput = (what: string, output: string): string => {
    const text = output.trimEnd()
    return text === '' ? `${what} (no output)` : `${what}; output:\n${text}`
  }
  switch (result.kind) {
    case 'exited':
      return withOutput(`${program} exited with status ${result.exitCode}`, result.output)
    case 'signalled':
      return withOutput(`${program} was killed by ${result.signal}`, result.output)
    case 'timed-out':
      return withOutput(`${program} timed out after ${timeoutSeconds} s and was killed`, result.output)
    case 'aborted':
      return withOutput(`${program} was stopped: this worker lost the cluster`, result.output)
    case 'not-started':
      return `cannot start ${program}: ${result.error}`
  }
}

export interface CommandDriverOptions {
  /** Environment the commands inherit (minus rollmaint's own variables); the worker's by default. */
  baseEnv?: NodeJS.ProcessEnv
  killGraceMs?: number
}

/**
 * `driver: command` (docs/inventory.md#maintenance-drivers): the operator's own enter/exit programs, run on the worker, never through
 * a shell. Exit 0 = done. Re-running after a worker crash runs the command again, so it must be
 * idempotent, as the stage scripts are.
 */
export function createCommandDriver(config: CommandConfig, options: CommandDriverOptions = {}): MaintenanceDriver {
  const run = async (
    phase: Phase,
    template: readonly string[],
    ctx: DriverContext
  ): Promise<{ ok: true } | { ok: false; reason: string }> => {
    const argv = commandArgv(template, ctx)
    const program = argv[0]!
    ctx.logger.info({ hostId: ctx.host.id, phase, program }, 'maintenance command starting')
    const result = await runLocalCommand(argv, {
      env: commandEnv(phase, ctx, options.baseEnv ?? process.env),
      timeoutMs: config.timeout * 1000,
      signal: ctx.signal,
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {})
    })
    if (result.kind === 'exited' && result.exitCode === 0) return { ok: true }
    const reason = describeFailure(program, result, config.timeout)
    ctx.logger.warn({ hostId: ctx.host.id, phase, program, result: result.kind }, 'maintenance command failed')
    return { ok: false, reason }
  }
  return {
    kind: 'command',
    async enter(ctx): Promise<EnterOutcome> {
      const r = await run('EnterMaintenance', config.enter, ctx)
      return r.ok ? { kind: 'entered', migrated: [] } : { kind: 'failed', reason: r.reason, migrated: [] }
    },
    async exit(ctx): Promise<ExitOutcome> {
      const r = await run('ExitMaintenance', config.exit, ctx)
      return r.ok ? { kind: 'exited' } : { kind: 'failed', reason: r.reason }
    }
  }
}
