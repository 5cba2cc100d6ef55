import { describe, expect, it } from 'vitest'
import { parseProbe } from '../../workers/maintenance/libvirt/host-probe.js'
import {
  lockFileName,
  migrationUriFor,
  vmOfLockFile,
  type LibvirtSettings
} from '../../workers/maintenance/libvirt/libvirt-settings.js'
import {
  parseDomJobInfo,
  parseDomStats,
  parseNodeMemStats,
  virshError
} from '../../workers/maintenance/libvirt/parse-virsh.js'
import type { HostConfig } from '../../shared/types.js'

// Verbatim output of virsh 9.0 (Debian 12) on the KVM lab.
const DOMSTATS = `Domain: 'vma'
  state.state=1
  state.reason=1
  balloon.current=131072
  balloon.maximum=131072
  balloon.rss=41084

Domain: 'it''s odd'
  state.state=3
  state.reason=11
  balloon.current=65536

`
const NODEMEM = `total  :             24684084 KiB
free   :             20565684 KiB
buffers:                98472 KiB
cached :              2542724 KiB
`
const JOBINFO = `Job type:         Completed
Operation:        Incoming migration
Time elapsed:     1454         ms
Time elapsed w/o network: 1453         ms
Data processed:   737.165 KiB
Total downtime:   72           ms
Downtime w/o network: 71           ms
`

describe('virsh output parsers', () => {
  it('domstats: name, state, reason and memory (balloon.maximum, else current) in MiB', () => {
    expect(parseDomStats(DOMSTATS)).toEqual([
      { name: 'vma', state: 1, reason: 1, memoryMiB: 128 },
      { name: "it''s odd", state: 3, reason: 11, memoryMiB: 64 }
    ])
    expect(parseDomStats('')).toEqual([])
  })

  it('nodememstats: free counts buffers and page cache', () => {
    expect(parseNodeMemStats(NODEMEM)).toEqual({
      totalMiB: 24105,
      freeMiB: Math.floor((20565684 + 98472 + 2542724) / 1024)
    })
    expect(() => parseNodeMemStats('garbage')).toThrow(/unexpected virsh nodememstats output/)
  })

  it('domjobinfo --completed: elapsed time and downtime', () => {
    expect(parseDomJobInfo(JOBINFO)).toEqual({ elapsedMs: 1454, downtimeMs: 72 })
    expect(parseDomJobInfo('Job type: None')).toEqual({ elapsedMs: undefined, downtimeMs: undefined })
  })

  it('virsh errors on one line without the error: prefixes', () => {
    expect(
      virshError('error: failed to connect to the hypervisor\nerror: Cannot recv data: Connection reset by peer\n')
    ).toBe('failed to connect to the hypervisor; Cannot recv data: Connection reset by peer')
    expect(virshError('', '')).toBe('no output')
  })

  it('probe: domains, memory and the VMs whose migration lock is held', () => {
    const out = `@@domstats\n${DOMSTATS}@@mem\n${NODEMEM}@@locks\n${lockFileName('vma')}\nnot-a-lock\n`
    const p = parseProbe(out)
    expect(p.domains.map((d) => d.name)).toEqual(['vma', "it''s odd"])
    expect(p.memory.totalMiB).toBe(24105)
    expect([...p.migrating]).toEqual(['vma'])
  })

  it('lock file names round-trip any domain name', () => {
    for (const name of ['vm1', 'a b/c', 'ünï']) expect(vmOfLockFile(lockFileName(name))).toBe(name)
  })

  it('migration URI placeholders', () => {
    const s = { migrationUri: 'qemu+ssh://root@{target.address}/system?name={target.name}' } as LibvirtSettings
    expect(migrationUriFor(s, { address: '10.0.0.2', name: 'kvm2', id: 'x' } as HostConfig)).toBe(
      'qemu+ssh://root@10.0.0.2/system?name=kvm2'
    )
    expect(migrationUriFor(s, { address: 'fd00::2', name: 'kvm2', id: 'x' } as HostConfig)).toBe(
      'qemu+ssh://root@[fd00::2]/system?name=kvm2'
    )
  })
})
