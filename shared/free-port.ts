import net from 'node:net'

/** A TCP port free on 127.0.0.1 right now (the OS picks it), for servers started by tests, the demo and the bench. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
