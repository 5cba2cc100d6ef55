import { describe, expect, it } from 'vitest'
import { aggregateResult } from '../../shared/aggregate-result.js'
import type { HostDone, HostUpdatedRecord } from '../../shared/host-run-state.js'

function host(id: string, over: Partial<HostDone> = {}): HostDone {
  return { hostId: id, hostName: `kvm-${id}`, clusterId: 'c1', phase: 'done', ...over }
}

const updated = (seq: number, output = `out-${seq}`): HostUpdatedRecord => ({
  startdate: `2020-03-12T12:4${seq}:00+00:00`,
  enddate: `2020-03-12T12:4${seq}:30+00:00`,
  output,
  seq
})

describe('result: exactly this shape (docs/api.md#the-result)', () => {
  it('has only the rollingmaintenance key, which has exactly details, hostsskipped, hostsupdated, success', () => {
    const result = aggregateResult([
      host('h1', { updated: updated(1) }),
      host('h2', { skipped: { reason: 'r', seq: 2 } })
    ])
    expect(Object.keys(result)).toEqual(['rollingmaintenance'])
    expect(Object.keys(result.rollingmaintenance).sort()).toEqual([
      'details',
      'hostsskipped',
      'hostsupdated',
      'success'
    ])
  })

  it('an updated host has hostid, hostname, startdate, enddate, output and nothing internal (no seq)', () => {
    const result = aggregateResult([host('h1', { updated: updated(1, 'kernel updated\n') })])
    expect(result.rollingmaintenance.hostsupdated).toEqual([
      {
        hostid: 'h1',
        hostname: 'kvm-h1',
        startdate: '2020-03-12T12:41:00+00:00',
        enddate: '2020-03-12T12:41:30+00:00',
        output: 'kernel updated\n'
      }
    ])
  })

  it('a skipped host has hostid, hostname, reason and nothing internal (no seq)', () => {
    const result = aggregateResult([
      host('h1', { skipped: { reason: 'Pre-flight stage set to avoid maintenance', seq: 1 } })
    ])
    expect(result.rollingmaintenance.hostsskipped).toEqual([
      { hostid: 'h1', hostname: 'kvm-h1', reason: 'Pre-flight stage set to avoid maintenance' }
    ])
  })

  it('all OK: details "OK", success true (the seed example)', () => {
    const result = aggregateResult([host('h1', { updated: updated(1, '') }), host('h2', { updated: updated(2, '') })])
    expect(result).toEqual({
      rollingmaintenance: {
        details: 'OK',
        hostsskipped: [],
        hostsupdated: [
          {
            hostid: 'h1',
            hostname: 'kvm-h1',
            startdate: '2020-03-12T12:41:00+00:00',
            enddate: '2020-03-12T12:41:30+00:00',
            output: ''
          },
          {
            hostid: 'h2',
            hostname: 'kvm-h2',
            startdate: '2020-03-12T12:42:00+00:00',
            enddate: '2020-03-12T12:42:30+00:00',
            output: ''
          }
        ],
        success: true
      }
    })
  })

  it('skipped hosts alone do not fail the run', () => {
    const result = aggregateResult([
      host('h1', { skipped: { reason: 'There is no maintenance script on the host', seq: 1 } })
    ])
    expect(result.rollingmaintenance.success).toBe(true)
    expect(result.rollingmaintenance.details).toBe('OK')
    expect(result.rollingmaintenance.hostsupdated).toEqual([])
  })

  it('no hosts at all: OK with empty lists', () => {
    expect(aggregateResult([])).toEqual({
      rollingmaintenance: { details: 'OK', hostsskipped: [], hostsupdated: [], success: true }
    })
  })
})

describe('hostsupdated is in the order hosts finished maintenance (docs/api.md#the-result)', () => {
  it('orders by updated.seq, not by input order (parallel clusters interleave)', () => {
    const hosts = [
      host('c1-h1', { clusterId: 'c1', updated: updated(3) }),
      host('c1-h2', { clusterId: 'c1', updated: updated(5) }),
      host('c2-h1', { clusterId: 'c2', updated: updated(1) }),
      host('c2-h2', { clusterId: 'c2', updated: updated(4) }),
      { hostId: 'c3-h1', hostName: 'kvm-c3-h1', clusterId: 'c3', phase: 'Maintenance' as const, startdate: 's' }
    ]
    const result = aggregateResult(hosts)
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.hostid)).toEqual(['c2-h1', 'c1-h1', 'c2-h2', 'c1-h2'])
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.output)).toEqual(['out-1', 'out-3', 'out-4', 'out-5'])
  })

  it('orders hostsskipped by skipped.seq', () => {
    const hosts = [
      host('h1', { skipped: { reason: 'third', seq: 9 } }),
      host('h2', { skipped: { reason: 'first', seq: 2 } }),
      host('h3', { skipped: { reason: 'second', seq: 7 } })
    ]
    expect(aggregateResult(hosts).rollingmaintenance.hostsskipped.map((h) => [h.hostid, h.reason])).toEqual([
      ['h2', 'first'],
      ['h3', 'second'],
      ['h1', 'third']
    ])
  })

  it('hosts that never reached done appear in neither list, and fail the run named (issue 11, item 5)', () => {
    const result = aggregateResult(
      [
        host('h0', { updated: updated(1) }),
        { hostId: 'h1', hostName: 'kvm-h1', clusterId: 'c1', phase: 'PreMaintenance' },
        { hostId: 'h2', hostName: 'kvm-h2', clusterId: 'c1', phase: 'pending' }
      ],
      undefined,
      'the run stopped: Maintenance failed on host kvm-h9'
    )
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.hostid)).toEqual(['h0'])
    expect(result.rollingmaintenance.hostsskipped).toEqual([])
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toBe(
      'hosts not processed: kvm-h1 (h1), kvm-h2 (h2) (the run stopped: Maintenance failed on host kvm-h9)'
    )
  })
})

describe('a forced PostMaintenance failure: the host stays in hostsupdated and is also in hostsskipped (docs/user-guide.md#the-host-cycle)', () => {
  it('lists the host in both lists and the run still succeeds', () => {
    const reason = 'Post-maintenance script failed: exit status 3; output: disk check failed'
    const result = aggregateResult([
      host('h1', { updated: updated(1, 'maint ok') }),
      host('h2', { updated: updated(2, 'maint ok 2'), skipped: { reason, seq: 3 } })
    ])
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.hostid)).toEqual(['h1', 'h2'])
    expect(result.rollingmaintenance.hostsupdated[1]!.output).toBe('maint ok 2')
    expect(result.rollingmaintenance.hostsskipped).toEqual([{ hostid: 'h2', hostname: 'kvm-h2', reason }])
    expect(result.rollingmaintenance.success).toBe(true)
    expect(result.rollingmaintenance.details).toBe('OK')
  })
})

describe('failures (docs/user-guide.md#preflight, docs/user-guide.md#failures-after-preflight): success false, details naming host, stage and output', () => {
  it('a PreFlight failure without forced', () => {
    const result = aggregateResult([
      host('h1', { failure: { stage: 'PreFlight', message: 'exit status 1; output: no space left' } }),
      host('h2')
    ])
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toBe(
      'PreFlight failed on host kvm-h1 (h1): exit status 1; output: no space left'
    )
    expect(result.rollingmaintenance.hostsupdated).toEqual([])
  })

  it('a PostMaintenance failure without forced keeps the host in hostsupdated and fails the run', () => {
    const result = aggregateResult([
      host('h1', {
        updated: updated(1),
        failure: { stage: 'PostMaintenance', message: 'exit status 2; output: agent down' }
      })
    ])
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.hostid)).toEqual(['h1'])
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toContain('PostMaintenance failed on host kvm-h1 (h1)')
    expect(result.rollingmaintenance.details).toContain('agent down')
  })

  it('several failures are all named', () => {
    const result = aggregateResult([
      host('h1', { failure: { stage: 'Maintenance', message: 'timed out' } }),
      host('h2', { clusterId: 'c2', failure: { stage: 'PreMaintenance', message: 'exit status 9' } })
    ])
    expect(result.rollingmaintenance.details).toBe(
      'Maintenance failed on host kvm-h1 (h1): timed out; PreMaintenance failed on host kvm-h2 (h2): exit status 9'
    )
    expect(result.rollingmaintenance.success).toBe(false)
  })

  it('a host check failure (docs/user-guide.md#host-checks) is reported with its reason', () => {
    const result = aggregateResult([
      host('h1', { failure: { stage: 'Host check', message: 'Host is not Enabled (enabled: false in the inventory)' } })
    ])
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toBe(
      'Host check failed on host kvm-h1 (h1): Host is not Enabled (enabled: false in the inventory)'
    )
  })

  it('a run-level failure comes first in details', () => {
    const result = aggregateResult(
      [host('h1', { failure: { stage: 'Maintenance', message: 'boom' } })],
      'run cancelled'
    )
    expect(result.rollingmaintenance.details).toBe('run cancelled; Maintenance failed on host kvm-h1 (h1): boom')
    expect(result.rollingmaintenance.success).toBe(false)
  })

  it('a run-level failure alone fails the run', () => {
    const result = aggregateResult([host('h1', { updated: updated(1) })], 'hosts left unprocessed')
    expect(result.rollingmaintenance).toMatchObject({ details: 'hosts left unprocessed', success: false })
    expect(result.rollingmaintenance.hostsupdated).toHaveLength(1)
  })
})

describe('a host whose maintenance mode cannot be exited is reported, never left behind silently (docs/user-guide.md#exiting-maintenance-mode)', () => {
  it('stuck host: success false and details naming the host and why', () => {
    const result = aggregateResult([
      host('h1', { updated: updated(1) }),
      host('h2', { stuckInMaintenance: 'maintenance slot is held by run r2' })
    ])
    expect(result.rollingmaintenance.success).toBe(false)
    expect(result.rollingmaintenance.details).toBe(
      'host kvm-h2 (h2) could not exit maintenance mode: maintenance slot is held by run r2'
    )
    expect(result.rollingmaintenance.hostsupdated.map((h) => h.hostid)).toEqual(['h1'])
  })
})
