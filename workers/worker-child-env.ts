/**
 * The worker's own settings (`ROLLMAINT_*`, `REDIS_*`: Redis addresses and passwords, key files) stay
 * in the worker: programs it starts for an operator (the `command` driver, cluster gates) get the rest
 * of its environment plus the variables the caller names (docs/security.md#secrets-in-logs).
 */
const PRIVATE_ENV = /^(ROLLMAINT_|REDIS_)/

export function workerChildEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([name]) => !PRIVATE_ENV.test(name)))
  return Object.assign(env, extra)
}
