import { startSshdFleet } from '../test/support/sshd-fleet.js'
import { connectHost } from '../workers/ssh/connect-host.js'
const fleet = await startSshdFleet({ hosts: [{ name: 'p1' }] })
const host = fleet.hostConfig('p1')
try {
  const v: number[] = []
  for (let i = 0; i < 20; i++) { const t = performance.now(); (await connectHost(host)).close(); v.push(performance.now() - t) }
  v.sort((a, b) => a - b)
  console.log('median', v[10].toFixed(1), 'min', v[0].toFixed(1), 'max', v[19].toFixed(1))
} finally { await fleet.stop() }
