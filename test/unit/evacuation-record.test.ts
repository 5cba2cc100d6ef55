import { describe, expect, it } from 'vitest'
import { emptyEvacuation, recordVmEvent } from '../../workers/maintenance/driver-context.js'

const ev = { hostId: 'h1', hostName: 'h1', toName: 'h2' }

describe('evacuation record (what a takeover learns from the run record)', () => {
  it('announced until its outcome is seen; migrated once per VM, last report wins', () => {
    let r = emptyEvacuation()
    r = recordVmEvent(r, { type: 'vm.migrating', ...ev, vm: 'a', to: 'h2', memoryMiB: 64 })
    r = recordVmEvent(r, { type: 'vm.migrating', ...ev, vm: 'b', to: 'h2', memoryMiB: 64 })
    expect(r).toEqual({
      announced: [
        { vm: 'a', to: 'h2' },
        { vm: 'b', to: 'h2' }
      ],
      migrated: []
    })
    r = recordVmEvent(r, { type: 'vm.migrated', ...ev, vm: 'a', to: 'h2', durationMs: 1200 })
    r = recordVmEvent(r, { type: 'vm.migration-failed', ...ev, vm: 'b', to: 'h2', reason: 'x' })
    expect(r).toEqual({ announced: [], migrated: [{ vm: 'a', to: 'h2', durationMs: 1200 }] })
    r = recordVmEvent(r, { type: 'vm.migrated', ...ev, vm: 'a', to: 'h3', durationMs: 900 })
    expect(r.migrated).toEqual([{ vm: 'a', to: 'h3', durationMs: 900 }])
  })
})
