import { asyncJobView } from '../async-job.js'
import { param, type CloudStackCommand } from '../command-context.js'

export const listAsyncJobs: CloudStackCommand = {
  name: 'listAsyncJobs',
  role: 'readonly',
  async handle({ params, runService, user }) {
    const pageSize = Math.min(500, Math.max(1, Number(param(params, 'pagesize') ?? 50) || 50))
    const runs = await runService.listRuns({ limit: pageSize })
    return { count: runs.length, asyncjobs: runs.map((r) => asyncJobView(r, user)) }
  }
}
