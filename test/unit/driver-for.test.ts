import { describe, expect, it } from 'vitest'
import { driverFor } from '../../workers/maintenance/driver-for.js'
import { inventoryOf } from '../support/inventory-of.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ4dGVzdGtleQ'
const host = (id: string, maintenance?: unknown) => ({
  id,
  name: id,
  address: '10.0.0.1',
  ...(maintenance ? { maintenance } : {})
})

describe('driverFor picks the driver the maintenance block names', () => {
  it('none, command, cloudstack; hosts sharing a cloudstack block share one driver (one client)', () => {
    const inv = inventoryOf(
      {
        defaults: {
          hostKey: KEY,
          maintenance: { driver: 'cloudstack', url: 'https://cs/client/api', apiKey: 'AK', secretKeyFile: '/k' }
        },
        clusters: [
          {
            id: 'c1',
            hosts: [
              host('a'),
              host('b'),
              host('n', { driver: 'none' }),
              host('x', { driver: 'command', enter: ['/bin/true'], exit: ['/bin/true'] })
            ]
          },
          {
            id: 'c2',
            maintenance: { driver: 'cloudstack', url: 'https://other/client/api', apiKey: 'AK2', secretKeyFile: '/k' },
            hosts: [host('d')]
          }
        ]
      },
      'test',
      { readSecretFile: () => 'secret' }
    )
    const of = (id: string) => driverFor(inv.hosts.get(id)!)
    expect([of('a').kind, of('n').kind, of('x').kind, of('d').kind]).toEqual([
      'cloudstack',
      'none',
      'command',
      'cloudstack'
    ])
    expect(of('a')).toBe(of('b'))
    expect(of('a')).not.toBe(of('d'))
  })
})
