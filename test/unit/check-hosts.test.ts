import { describe, expect, it } from 'vitest'
import { checkHosts } from '../../shared/check-hosts.js'
import type { HostConfig, HostResourceState } from '../../shared/types.js'

function host(id: string, over: Partial<HostConfig> = {}): HostConfig {
  return {
    id,
    name: `kvm-${id}`,
    address: `${id}.example`,
    port: 22,
    user: 'root',
    hostKey: 'ssh-ed25519 AAAA',
    hooksDir: '/etc/rollmaint/hooks',
    stateDir: '/var/lib/rollmaint',
    bootIdPath: '/proc/sys/kernel/random/boot_id',
    hypervisor: 'KVM',
    executor: 'detached',
    enabled: true,
    maintenance: { driver: 'none' },
    zoneId: 'z1',
    podId: 'p1',
    clusterId: 'c1',
    ...over
  }
}

const none = new Map<string, HostResourceState>()

describe('host checks (docs/user-guide.md#host-checks)', () => {
  it('an Enabled KVM host passes', () => {
    expect(checkHosts([host('h1')], new Map([['h1', 'Enabled']]))).toEqual([])
  })

  it('a host with no recorded resource state counts as Enabled', () => {
    expect(checkHosts([host('h1'), host('h2')], none)).toEqual([])
  })

  it('hypervisor is compared case-insensitively (kvm is KVM)', () => {
    expect(checkHosts([host('h1', { hypervisor: 'kvm' })], none)).toEqual([])
  })

  it('a non-KVM host fails, the reason naming the hypervisor', () => {
    const failures = checkHosts([host('h1', { hypervisor: 'VMware' })], none)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ hostId: 'h1', hostName: 'kvm-h1' })
    expect(failures[0]!.reason).toContain('VMware')
    expect(failures[0]!.reason).toContain('KVM')
  })

  it('a disabled host (enabled: false) fails as not Enabled', () => {
    const failures = checkHosts([host('h1', { enabled: false })], none)
    expect(failures).toEqual([
      { hostId: 'h1', hostName: 'kvm-h1', reason: 'Host is not Enabled (enabled: false in the inventory)' }
    ])
  })

  it.each(['PrepareForMaintenance', 'Maintenance', 'ErrorInMaintenance'] as const)(
    'a host already in %s fails',
    (state) => {
      const failures = checkHosts([host('h1')], new Map([['h1', state]]))
      expect(failures).toEqual([
        { hostId: 'h1', hostName: 'kvm-h1', reason: `Host is already in maintenance (resource state ${state})` }
      ])
    }
  )

  it('resource state Disabled is not "in maintenance" (enabled in the inventory decides)', () => {
    expect(checkHosts([host('h1')], new Map([['h1', 'Disabled']]))).toEqual([])
  })

  it('reports one reason per failing host, in input order, passing hosts omitted', () => {
    const hosts = [
      host('h1'),
      host('h2', { enabled: false }),
      host('h3', { hypervisor: 'XenServer' }),
      host('h4'),
      host('h5')
    ]
    const states = new Map<string, HostResourceState>([
      ['h4', 'Maintenance'],
      ['h5', 'Enabled']
    ])
    const failures = checkHosts(hosts, states)
    expect(failures.map((f) => f.hostId)).toEqual(['h2', 'h3', 'h4'])
    expect(failures[0]!.reason).toMatch(/not Enabled/)
    expect(failures[1]!.reason).toMatch(/XenServer/)
    expect(failures[2]!.reason).toMatch(/already in maintenance \(resource state Maintenance\)/)
  })

  it('a host failing several checks gets one reason, the hypervisor first', () => {
    const failures = checkHosts(
      [host('h1', { hypervisor: 'Hyperv', enabled: false })],
      new Map([['h1', 'Maintenance']])
    )
    expect(failures).toHaveLength(1)
    expect(failures[0]!.reason).toContain('Hyperv')
  })
})
