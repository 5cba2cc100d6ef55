import { RunConflictError } from '../../../shared/errors/run-conflict-error.js'
import { ScopeError } from '../../../shared/errors/scope-error.js'
import { payloadProblem, timeoutProblem } from '../../../shared/request-limits.js'
import { normaliseIds } from '../../schemas/run-schemas.js'
import { CloudStackApiError } from '../cloudstack-error.js'
import { param, type CloudStackCommand } from '../command-context.js'

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true'
  throw new CloudStackApiError(
    'PARAM_ERROR',
    `Unable to verify parameter ${name}: expected true or false, got ${value}`
  )
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const problem = /^\d+$/.test(value) ? timeoutProblem(Number(value)) : timeoutProblem(NaN)
  if (problem)
    throw new CloudStackApiError('PARAM_ERROR', `Unable to verify parameter timeout: ${problem}, got ${value}`)
  return Number(value)
}

/** Async in CloudStack too: answers the job id at once; the result comes from queryAsyncJobResult. */
export const startRollingMaintenance: CloudStackCommand = {
  name: 'startRollingMaintenance',
  role: 'admin',
  async handle({ params, runService, user }) {
    const payload = param(params, 'payload')
    const problem = payloadProblem(payload)
    if (problem) throw new CloudStackApiError('PARAM_ERROR', problem)
    try {
      const run = await runService.createRun(
        {
          zoneids: normaliseIds(param(params, 'zoneids')),
          podids: normaliseIds(param(params, 'podids')),
          clusterids: normaliseIds(param(params, 'clusterids')),
          hostids: normaliseIds(param(params, 'hostids')),
          forced: parseBoolean('forced', param(params, 'forced')),
          payload,
          timeout: parseTimeout(param(params, 'timeout'))
        },
        user.name
      )
      return { id: run.id, jobid: run.id }
    } catch (err) {
      // Both are the caller's to fix: CloudStack reports such problems as invalid parameters.
      if (err instanceof ScopeError || err instanceof RunConflictError)
        throw new CloudStackApiError('PARAM_ERROR', err.message)
      throw err
    }
  }
}
