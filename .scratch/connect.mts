import { startSshdFleet } from '../test/support/sshd-fleet.js'
import { connectHost } from '../workers/ssh/connect-host.js'
import { Client } from 'ssh2'
import { readFileSync } from 'node:fs'
const fleet = await startSshdFleet({ hosts: [{ name: 'p1' }] })
const host = fleet.hostConfig('p1')
try {
  for (let i = 0; i < 3; i++) { const t = performance.now(); (await connectHost(host)).close(); console.log('connectHost', (performance.now() - t).toFixed(1)) }
  const key = readFileSync(host.privateKeyPath!)
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now()
    const marks: string[] = []
    await new Promise<void>((res, rej) => {
      const c = new Client()
      c.on('ready', () => { marks.push(`ready ${(performance.now() - t0).toFixed(1)}`); c.end(); res() })
      c.on('error', rej)
      c.connect({ host: host.address, port: host.port, username: host.user, privateKey: key, hostVerifier: () => true,
        debug: (m: string) => { if (/Handshake|KEX|Auth|Outbound: Sending|Inbound: Received|SERVICE|USERAUTH|NEWKEYS|Remote ident/.test(m)) marks.push(`${(performance.now() - t0).toFixed(1)} ${m.slice(0, 110)}`) } })
    })
    console.log(marks.join('\n'))
  }
} finally { await fleet.stop() }
