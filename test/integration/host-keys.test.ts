import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostKeyMismatchError } from '../../shared/errors/host-key-mismatch-error.js'
import { HostKeyUnknownError } from '../../shared/errors/host-key-unknown-error.js'
import { connectHost } from '../../workers/ssh/connect-host.js'
import { startSshdFleet, type SshdFleet, type SshdHost } from '../support/sshd-fleet.js'

// Issue 11 item 11, on a real OpenSSH sshd that offers three host keys (ed25519, ECDSA, RSA), as
// most distributions' sshd does.
let fleet: SshdFleet
let h: SshdHost
const dir = mkdtempSync(path.join(os.tmpdir(), 'rm-known-hosts-'))
let files = 0

beforeAll(async () => {
  fleet = await startSshdFleet({ hosts: [{ name: 'keys', extraHostKeys: ['ecdsa', 'rsa'] }] })
  h = fleet.host('keys')
})
afterAll(async () => {
  await fleet?.stop()
})

function knownHosts(text: string): string {
  const file = path.join(dir, `known_hosts.${++files}`)
  writeFileSync(file, text)
  return file
}

async function connects(overrides: Parameters<SshdFleet['hostConfig']>[1]): Promise<true | Error> {
  try {
    const conn = await connectHost(fleet.hostConfig('keys', overrides), { readyTimeoutMs: 10_000 })
    const { stdout } = await conn.exec('echo ok')
    conn.close()
    expect(stdout.toString().trim()).toBe('ok')
    return true
  } catch (err) {
    return err as Error
  }
}

describe('host keys on a host that offers ed25519, ECDSA and RSA', () => {
  it.each(['ecdsa', 'rsa', 'ed25519'] as const)('a pinned %s key is the one negotiated and accepted', async (type) => {
    expect(await connects({ hostKey: h.hostKeys[type] })).toBe(true)
  })

  it('known_hosts: only the key types listed for the host are negotiated (an ECDSA-only entry works)', async () => {
    expect(
      await connects({ hostKey: undefined, knownHostsPath: knownHosts(`[127.0.0.1]:${h.port} ${h.hostKeys.ecdsa}\n`) })
    ).toBe(true)
    expect(
      await connects({ hostKey: undefined, knownHostsPath: knownHosts(`[127.0.0.1]:${h.port} ${h.hostKeys.rsa}\n`) })
    ).toBe(true)
  })

  it('wildcard patterns match; a negated pattern excludes the host', async () => {
    expect(
      await connects({ hostKey: undefined, knownHostsPath: knownHosts(`[127.0.0.?]:*,other ${h.hostKeys.ecdsa}\n`) })
    ).toBe(true)
    expect(await connects({ hostKey: undefined, knownHostsPath: knownHosts(`* ${h.hostKeys.ed25519}\n`) })).toBe(true)
    const negated = await connects({
      hostKey: undefined,
      knownHostsPath: knownHosts(`[127.0.0.*]:*,![127.0.0.1]:${h.port} ${h.hostKeys.ecdsa}\n`)
    })
    expect(negated).toBeInstanceOf(HostKeyUnknownError)
    expect((negated as Error).message).toMatch(/no entry for \[127\.0\.0\.1\]:\d+ in known_hosts/)
  })

  it("@revoked refuses the key whatever the line's host pattern, even when another line lists it for the host", async () => {
    const revoked = await connects({
      hostKey: undefined,
      knownHostsPath: knownHosts(`@revoked * ${h.hostKeys.ecdsa}\n[127.0.0.1]:${h.port} ${h.hostKeys.ecdsa}\n`)
    })
    expect(revoked).toBeInstanceOf(HostKeyMismatchError)
    expect((revoked as Error).message).toMatch(/marked @revoked/)
  })

  it('a host known only through @cert-authority is refused, saying host certificates are not supported', async () => {
    const err = await connects({
      hostKey: undefined,
      knownHostsPath: knownHosts(`@cert-authority *.example,[127.0.0.1]:* ${h.hostKeys.rsa}\n`)
    })
    expect(err).toBeInstanceOf(HostKeyUnknownError)
    expect((err as Error).message).toMatch(/@cert-authority.*not supported/)
  })

  it('a pinned key of the right type but another host is still a mismatch', async () => {
    const other = await startSshdFleet({ hosts: [{ name: 'other', extraHostKeys: ['ecdsa'] }] })
    try {
      const err = await connects({ hostKey: other.host('other').hostKeys.ecdsa })
      expect(err).toBeInstanceOf(HostKeyMismatchError)
    } finally {
      await other.stop()
    }
  })
})
