import type { ApiClient } from './api-client.js'

/**
 * Prints a finished run's result in the seed's shape (`{"rollingmaintenance": {...}}`, 2-space
 * indent) and returns the exit code: 0 only when the run succeeded, 1 for a failed or cancelled run.
 */
export async function printResult(
  api: ApiClient,
  runId: string,
  out: NodeJS.WritableStream = process.stdout
): Promise<number> {
  const view = await api.getRun(runId)
  out.write(`${JSON.stringify(view.result ?? { status: view.status }, null, 2)}\n`)
  return view.result?.rollingmaintenance.success === true ? 0 : 1
}
