import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'
import fp from 'fastify-plugin'

/**
 * Closing the server ends the connections that carry no request. Node's `server.close()` only ends idle
 * keep-alive connections that have served a request, and waits for ones that never sent any: fetch
 * (undici) opens such a spare connection when a client cancels an event stream, and browsers open
 * them ahead of time, so a stopping API waited for the client to drop it (seconds, or never), past
 * close-with-grace's 10 s. Connections with a request in flight are left to finish it.
 */
export default fp(
  async function closeUnusedConnections(fastify) {
    const inFlight = new Map<Socket, number>()
    // On TLS the requests' socket is the TLSSocket of `secureConnection`, not the raw one of `connection`.
    const opened = fastify.server instanceof TlsServer ? 'secureConnection' : 'connection'
    fastify.server.on(opened, (socket: Socket) => {
      inFlight.set(socket, 0)
      socket.once('close', () => inFlight.delete(socket))
    })
    fastify.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket
      if (!inFlight.has(socket)) return
      inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
      res.once('close', () => {
        if (inFlight.has(socket)) inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1)
      })
    })
    fastify.addHook('preClose', async () => {
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy()
    })
  },
  { name: 'close-unused-connections' }
)
