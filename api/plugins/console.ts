import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** Where `npm run build` puts the console (vite.config.ts `build.outDir`). */
export const CONSOLE_BUILD_DIR = 'dist/console'

/**
 * The built console, found from this file: `api/plugins/` when run from source (tsx), or
 * `dist/api/plugins/` when compiled; both are two levels below a directory holding `dist/console`
 * or `console` respectively.
 */
export function findConsoleDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.resolve(here, '../..', CONSOLE_BUILD_DIR), path.resolve(here, '../..', 'console')]
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')))
}

// Everything the console loads comes from this process: scripts, styles and API calls alike.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * The web console (docs/console.md) at `/` and `/ui/...`: static files built by Vite, served without auth
 * (they hold no data; every API call they make carries the user's key). Paths under `/ui/` that are
 * not files are the console's own pages and get index.html, so a reload or a shared link works.
 */
export default async function consolePlugin(
  fastify: FastifyInstance,
  opts: { dir?: string | undefined }
): Promise<void> {
  const dir = opts.dir ?? findConsoleDir()
  if (!dir) {
    const notBuilt = async (_: unknown, reply: FastifyReply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web console is not built: run `npm run build`, then restart. The API works without it.')
    fastify.get('/', { config: { access: 'public' }, schema: { hide: true } }, notBuilt)
    fastify.get('/ui/*', { config: { access: 'public' }, schema: { hide: true } }, notBuilt)
    fastify.log.warn(`web console not found (${CONSOLE_BUILD_DIR}); run npm run build`)
    return
  }
  await fastify.register(fastifyStatic, { root: dir, serve: false })

  // index.html names the current assets: always revalidated.
  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html', { cacheControl: false })

  fastify.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    sendIndex(reply)
  )
  fastify.get('/ui', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    sendIndex(reply)
  )
  fastify.get<{ Params: { '*': string } }>(
    '/ui/*',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const rel = path.posix.normalize(request.params['*'] ?? '')
      if (rel.startsWith('..') || path.isAbsolute(rel))
        return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such file' })
      const file = path.join(dir, rel)
      const isFile = rel !== '.' && rel !== '' && existsSync(file) && statSync(file).isFile()
      if (isFile) {
        // Vite names assets by content hash: they never change under the same name.
        const caching = rel.startsWith('assets/') ? { maxAge: '365d', immutable: true } : { maxAge: 0 }
        return reply.header('x-content-type-options', 'nosniff').sendFile(rel, caching)
      }
      // A console page (/ui/runs/<id>, ...), not a file; a missing asset is a 404, not the page.
      if (path.posix.extname(rel) !== '')
        return reply.code(404).send({ error: 'NOT_FOUND', message: `no console file ${rel}` })
      return sendIndex(reply)
    }
  )
}
