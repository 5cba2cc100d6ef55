import type { Role } from './lib/api-types.js'

/** A signed-in key pair, kept in sessionStorage: gone when the tab or browser closes, never on disk for long. */
export interface Session {
  apiKey: string
  secretKey: string
  name: string
  role: Role
}

const KEY = 'rollmaint.session'

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (!raw) return undefined
    const s = JSON.parse(raw) as Partial<Session>
    if (
      typeof s.apiKey !== 'string' ||
      typeof s.secretKey !== 'string' ||
      (s.role !== 'admin' && s.role !== 'readonly')
    )
      return undefined
    return { apiKey: s.apiKey, secretKey: s.secretKey, name: typeof s.name === 'string' ? s.name : '', role: s.role }
  } catch {
    return undefined
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s))
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY)
}
