import { describe, expect, it } from 'vitest'
import { ScopeError } from '../../shared/errors/scope-error.js'
import { buildInventory } from '../../shared/load-inventory.js'
import { resolveScope } from '../../service/resolve-scope.js'
import type { RunRequest } from '../../shared/types.js'

const host = (id: string): Record<string, unknown> => ({ id, name: `name-${id}`, address: `${id}.example` })

/**
 * z1/p1/c1: h1 h2 h3, z1/p1/c2: h6 h5 h4 (file order is not id order), z1/p2/c3: h7,
 * z2/p3/c4: h8 h9, z3/p4: no clusters, z4/p5/c5: no hosts.
 */
const inventory = buildInventory(
  {
    defaults: { knownHostsPath: '/keys/known_hosts' },
    zones: [
      {
        id: 'z1',
        name: 'zone1',
        pods: [
          {
            id: 'p1',
            name: 'pod1',
            clusters: [
              { id: 'c1', name: 'cluster1', hosts: [host('h1'), host('h2'), host('h3')] },
              { id: 'c2', name: 'cluster2', hosts: [host('h6'), host('h5'), host('h4')] }
            ]
          },
          { id: 'p2', name: 'pod2', clusters: [{ id: 'c3', name: 'cluster3', hosts: [host('h7')] }] }
        ]
      },
      {
        id: 'z2',
        name: 'zone2',
        pods: [{ id: 'p3', name: 'pod3', clusters: [{ id: 'c4', name: 'cluster4', hosts: [host('h8'), host('h9')] }] }]
      },
      { id: 'z3', name: 'zone3', pods: [{ id: 'p4', name: 'pod4', clusters: [] }] },
      {
        id: 'z4',
        name: 'zone4',
        pods: [{ id: 'p5', name: 'pod5', clusters: [{ id: 'c5', name: 'cluster5', hosts: [] }] }]
      }
    ]
  },
  '/etc/rollmaint/inventory.yaml'
)

type Scope = Pick<RunRequest, 'zoneids' | 'podids' | 'clusterids' | 'hostids'>
const scope = (s: Partial<Scope>): Scope => ({ zoneids: [], podids: [], clusterids: [], hostids: [], ...s })

function scopeError(s: Partial<Scope>): ScopeError {
  try {
    resolveScope(inventory, scope(s))
  } catch (err) {
    expect(err).toBeInstanceOf(ScopeError)
    return err as ScopeError
  }
  throw new Error(`scope ${JSON.stringify(s)} was accepted`)
}

describe('scope: the hosts are the union of every kind of id, each once, in inventory order (docs/user-guide.md#scope)', () => {
  it('a zone gives all its hosts, cluster by cluster in file order', () => {
    expect(resolveScope(inventory, scope({ zoneids: ['z1'] }))).toEqual({
      hostIds: ['h1', 'h2', 'h3', 'h6', 'h5', 'h4', 'h7'],
      clusterIds: ['c1', 'c2', 'c3']
    })
  })

  it('a pod gives the hosts of its clusters', () => {
    expect(resolveScope(inventory, scope({ podids: ['p1'] }))).toEqual({
      hostIds: ['h1', 'h2', 'h3', 'h6', 'h5', 'h4'],
      clusterIds: ['c1', 'c2']
    })
  })

  it('a cluster gives its hosts in file order', () => {
    expect(resolveScope(inventory, scope({ clusterids: ['c2'] }))).toEqual({
      hostIds: ['h6', 'h5', 'h4'],
      clusterIds: ['c2']
    })
  })

  it('hosts are returned in inventory order, not request order', () => {
    expect(resolveScope(inventory, scope({ hostids: ['h9', 'h4', 'h1'] }))).toEqual({
      hostIds: ['h1', 'h4', 'h9'],
      clusterIds: ['c1', 'c2', 'c4']
    })
  })

  it('mixes every kind (CloudStack would use only the first non-empty kind; we take the union)', () => {
    const resolved = resolveScope(
      inventory,
      scope({ zoneids: ['z2'], podids: ['p2'], clusterids: ['c2'], hostids: ['h2'] })
    )
    expect(resolved).toEqual({
      hostIds: ['h2', 'h6', 'h5', 'h4', 'h7', 'h8', 'h9'],
      clusterIds: ['c1', 'c2', 'c3', 'c4']
    })
  })

  it('overlapping kinds list each host once', () => {
    const resolved = resolveScope(
      inventory,
      scope({ zoneids: ['z1'], podids: ['p1'], clusterids: ['c1'], hostids: ['h1', 'h1', 'h7'] })
    )
    expect(resolved.hostIds).toEqual(['h1', 'h2', 'h3', 'h6', 'h5', 'h4', 'h7'])
    expect(new Set(resolved.hostIds).size).toBe(resolved.hostIds.length)
    expect(resolved.clusterIds).toEqual(['c1', 'c2', 'c3'])
  })

  it('two zones, the seed example shape', () => {
    const resolved = resolveScope(inventory, scope({ zoneids: ['z2', 'z1'] }))
    expect(resolved.hostIds).toEqual(['h1', 'h2', 'h3', 'h6', 'h5', 'h4', 'h7', 'h8', 'h9'])
    expect(resolved.clusterIds).toEqual(['c1', 'c2', 'c3', 'c4'])
  })

  it('an empty zone next to a non-empty one is fine', () => {
    expect(resolveScope(inventory, scope({ zoneids: ['z3', 'z2'] })).hostIds).toEqual(['h8', 'h9'])
  })
})

describe('scope: none given, an unknown id, or an empty result is a client error naming the problem (docs/user-guide.md#scope)', () => {
  it('no scope at all names the four fields', () => {
    const err = scopeError({})
    expect(err.code).toBe('SCOPE_INVALID')
    for (const field of ['zoneids', 'podids', 'clusterids', 'hostids']) expect(err.message).toContain(field)
  })

  it('unknown ids are named per kind', () => {
    const err = scopeError({ zoneids: ['z1', 'zX'], podids: ['pX'], clusterids: ['c1'], hostids: ['hX', 'hY'] })
    expect(err.message).toContain('unknown zoneids: zX')
    expect(err.message).toContain('unknown podids: pX')
    expect(err.message).toContain('unknown hostids: hX, hY')
    expect(err.message).not.toContain('clusterids')
    expect(err.message).toContain('/etc/rollmaint/inventory.yaml')
  })

  it('an id of the wrong kind is unknown (a host id given as a cluster id)', () => {
    const err = scopeError({ clusterids: ['h1'] })
    expect(err.message).toContain('unknown clusterids: h1')
  })

  it('a single unknown id fails the request even when other ids are valid', () => {
    const err = scopeError({ hostids: ['h1', 'nope'] })
    expect(err.message).toMatch(/^unknown hostids: nope /)
  })

  it('a zone without hosts is an empty result', () => {
    const err = scopeError({ zoneids: ['z3'] })
    expect(err.message).toContain('no hosts')
  })

  it('a pod without clusters, a cluster without hosts are empty results', () => {
    expect(scopeError({ podids: ['p4'] }).message).toContain('no hosts')
    expect(scopeError({ clusterids: ['c5'] }).message).toContain('no hosts')
    expect(scopeError({ zoneids: ['z3', 'z4'], podids: ['p5'] }).message).toContain('no hosts')
  })
})
