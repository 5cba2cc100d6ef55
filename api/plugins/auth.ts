import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiKeyStore, ApiRole, ApiUser } from '../auth/api-key-store.js'

/** Per-route access, in the route's `config`: deny by default, `public` only where said so. */
export type RouteAccess = 'public' | 'readonly' | 'admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
  }
  interface FastifyRequest {
    apiUser?: ApiUser
  }
  interface FastifyInstance {
    apiKeys: ApiKeyStore
  }
}

export function parseBasic(header: string | undefined): { apiKey: string; secretKey: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { apiKey: decoded.slice(0, colon), secretKey: decoded.slice(colon + 1) }
}

const ROLE_RANK: Record<ApiRole, number> = { readonly: 1, admin: 2 }

/** Sent by the web console: it shows its own sign-in form, so no browser login prompt must pop up. */
export const CONSOLE_CLIENT_HEADER = 'x-rollmaint-client'

async function deny(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): Promise<void> {
  if (status === 401 && request.headers[CONSOLE_CLIENT_HEADER] === undefined)
    reply.header('www-authenticate', 'Basic realm="rollmaint", charset="UTF-8"')
  await reply.code(status).send({ error: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message })
}

/**
 * Basic auth with API key and secret (docs/api.md#authentication). Runs in onRequest, before the body is even parsed,
 * so an unauthenticated caller learns nothing about validation. Routes that do not declare an
 * access level need a readonly key at least.
 */
export default fp(
  async function auth(fastify, opts: { store: ApiKeyStore }) {
    fastify.decorate('apiKeys', opts.store)
    fastify.decorateRequest('apiUser', undefined)
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const access = request.routeOptions.config?.access ?? 'readonly'
      if (access === 'public' || request.routeOptions.url === undefined) return
      const creds = parseBasic(request.headers.authorization)
      if (!creds)
        return deny(
          request,
          reply,
          401,
          'missing or malformed credentials: send Authorization: Basic base64(apiKey:secretKey)'
        )
      const user = opts.store.authenticate(creds.apiKey, creds.secretKey)
      if (!user) return deny(request, reply, 401, 'unknown API key or wrong secret key')
      if (ROLE_RANK[user.role] < ROLE_RANK[access]) {
        return deny(request, reply, 403, `this key has role ${user.role}; this operation needs ${access}`)
      }
      request.apiUser = user
    })
  },
  { name: 'auth' }
)
