import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { parse, stringify } from 'yaml'
import { ApiKeysError } from '../../shared/errors/api-keys-error.js'
import type { ApiUser } from './api-key-store.js'

const ApiUsersSchema = Type.Array(
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      apiKey: Type.String({ minLength: 16 }),
      secretKey: Type.String({ minLength: 16 }),
      role: Type.Union([Type.Literal('admin'), Type.Literal('readonly')])
    },
    { additionalProperties: false }
  ),
  { minItems: 1 }
)
const checker = TypeCompiler.Compile(ApiUsersSchema)

/** Validates the users file (docs/api.md#authentication); messages name the entry and the problem, never a secret. */
export function parseApiKeys(text: string, file: string): ApiUser[] {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new ApiKeysError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`])
  }
  if (!checker.Check(doc)) {
    const problems = [...checker.Errors(doc)]
      .filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i)
      .slice(0, 10)
      .map((e) => `${e.path.replace(/^\/(\d+)/, 'entry [$1]').replaceAll('/', '.') || '(top level)'}: ${e.message}`)
    throw new ApiKeysError(file, problems)
  }
  const seen = new Set<string>()
  for (const [i, u] of doc.entries()) {
    if (seen.has(u.apiKey)) throw new ApiKeysError(file, [`entry [${i}] (${u.name}): apiKey is used twice`])
    seen.add(u.apiKey)
  }
  return doc
}

export interface LoadedApiKeys {
  users: ApiUser[]
  file: string
  /** Set when this start generated the file: the caller says where it is (never the secret). */
  generated?: ApiUser | undefined
}

/**
 * The configured file, or `<dataDir>/api-keys.yaml`, created with one fresh admin key pair (mode
 * 0600) on first start, so the API is usable at once and never open by default.
 */
export function loadApiKeys(configured: string | undefined, dataDir: string): LoadedApiKeys {
  const file = configured ?? path.join(dataDir, 'api-keys.yaml')
  if (!configured && !existsSync(file)) {
    const admin: ApiUser = {
      name: 'admin',
      apiKey: randomBytes(24).toString('base64url'),
      secretKey: randomBytes(48).toString('base64url'),
      role: 'admin'
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    writeFileSync(file, stringify([admin]), { mode: 0o600, flag: 'wx' })
    chmodSync(file, 0o600)
    return { users: [admin], file, generated: admin }
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ApiKeysError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  return { users: parseApiKeys(text, file), file }
}

/** The one-time notice for a generated key (stdout, never the log). */
/**
 * What start-up says about a generated key: where it is, never the secret itself (stdout is kept
 * by log collectors and `docker compose logs`; issue 11, item 3).
 */
export function generatedKeyNotice(loaded: LoadedApiKeys): string {
  return `no API keys configured: generated an admin key pair in ${loaded.file} (mode 0600; read it there, it is not printed); set ROLLMAINT_API_KEYS to use a file of your own`
}
