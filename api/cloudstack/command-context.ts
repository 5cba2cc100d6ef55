import type { RunService } from '../../service/run-service.js'
import type { ApiUser } from '../auth/api-key-store.js'

export interface CommandContext {
  params: Map<string, string>
  user: ApiUser
  runService: RunService
}

/** A CloudStack command: `name` as clients send it, the role it needs, and what it answers. */
export interface CloudStackCommand {
  name: string
  role: 'admin' | 'readonly'
  /** Returns the object put under `<name lower-cased>response`. */
  handle(ctx: CommandContext): Promise<Record<string, unknown>>
}

/** Case-insensitive parameter lookup, as the servlet container hands parameters to CloudStack. */
export function param(params: Map<string, string>, name: string): string | undefined {
  for (const [k, v] of params) if (k.toLowerCase() === name.toLowerCase()) return v
  return undefined
}
