/**
 * `{host.id}`-style placeholders in driver settings (docs/inventory.md#maintenance-drivers). A value is substituted inside ONE argument
 * or URI and never re-split, so a host name with spaces or quotes stays one argument.
 */
const PLACEHOLDER = /\{([A-Za-z]+\.[A-Za-z]+)\}/g

export function substitutePlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole)
}

/** Placeholders in `template` that are not in `allowed`: typos are caught at start-up, not mid-run. */
export function unknownPlaceholders(template: string, allowed: readonly string[]): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !allowed.includes(name))
}

export const COMMAND_PLACEHOLDERS = ['host.id', 'host.name', 'host.address', 'cluster.id'] as const
export const MIGRATION_URI_PLACEHOLDERS = ['target.address', 'target.name', 'target.id'] as const
