import ssh2 from 'ssh2'
import { describe, expect, it } from 'vitest'
import { generateEd25519 } from '../../demo/sim-ssh-host.js'

describe('demo key generation', () => {
  it('every generated ed25519 pair parses (ssh2 alone fails about 1 in 256)', () => {
    // 1,500 pairs: with ssh2's defect unguarded, the chance that none is malformed is below 0.3%
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519()
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error)
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error)
    }
  })
})
