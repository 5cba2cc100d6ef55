import { createHash, timingSafeEqual } from 'node:crypto'

export type ApiRole = 'admin' | 'readonly'

export interface ApiUser {
  name: string
  apiKey: string
  secretKey: string
  role: ApiRole
}

/** Looks users up by API key and checks secrets in constant time. Shared by REST, Bull Board and the CloudStack endpoint. */
export interface ApiKeyStore {
  findByApiKey(apiKey: string): ApiUser | undefined
  /** The user whose apiKey and secretKey both match, else undefined. */
  authenticate(apiKey: string, secretKey: string): ApiUser | undefined
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

export function createApiKeyStore(users: ApiUser[]): ApiKeyStore {
  const byKey = new Map(users.map((u) => [u.apiKey, u]))
  return {
    findByApiKey: (apiKey) => byKey.get(apiKey),
    authenticate(apiKey, secretKey) {
      const user = byKey.get(apiKey)
      // Compare digests so the comparison takes the same time whatever the secret's length.
      const expected = digest(user?.secretKey ?? 'no such user')
      const ok = timingSafeEqual(expected, digest(secretKey))
      return user && ok ? user : undefined
    }
  }
}
