import { asyncJobView } from '../async-job.js'
import { CloudStackApiError } from '../cloudstack-error.js'
import { param, type CloudStackCommand } from '../command-context.js'

export const queryAsyncJobResult: CloudStackCommand = {
  name: 'queryAsyncJobResult',
  role: 'readonly',
  async handle({ params, runService, user }) {
    const jobid = param(params, 'jobid')
    if (!jobid)
      throw new CloudStackApiError(
        'PARAM_ERROR',
        'Unable to execute API command queryasyncjobresult due to missing parameter jobid'
      )
    const run = await runService.getRun(jobid)
    if (!run) throw new CloudStackApiError('PARAM_ERROR', `Unable to find a job by id ${jobid}`)
    return asyncJobView(run, user)
  }
}
