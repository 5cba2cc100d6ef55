import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  t: number
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export interface WebhookReceiver {
  url: string
  received: ReceivedWebhook[]
  /** How the next requests are answered: the first `failFirst` get 500 (or a hang of `hangMs`). */
  set(opts: { failFirst?: number; hangMs?: number }): void
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1 that records every delivery and fails the first N on purpose. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  let failFirst = 0
  let hangMs = 0
  let seen = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen += 1
      const fail = seen <= failFirst
      const status = fail ? 500 : 204
      received.push({ t: Date.now(), status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const answer = (): void => {
        res.statusCode = status
        res.end(fail ? 'not now' : undefined)
      }
      if (fail && hangMs > 0) setTimeout(answer, hangMs)
      else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    set(opts) {
      failFirst = opts.failFirst ?? 0
      hangMs = opts.hangMs ?? 0
      seen = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
