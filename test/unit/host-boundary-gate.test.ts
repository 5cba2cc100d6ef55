import { describe, expect, it } from 'vitest'
import type { GateWait } from '../../shared/controls/gate-wait.js'
import { GATE_RETRY_MS, gateStep } from '../../workers/controls/gate-decision.js'
import {
  decideAtBoundary,
  goesWithoutReading,
  MAX_WAIT_SLICE_MS,
  PAUSE_RECHECK_MS
} from '../../workers/controls/host-boundary.js'
import { gateArgv } from '../../workers/controls/run-gate-command.js'
import type { HostConfig } from '../../shared/types.js'

const NOW = Date.parse('2026-11-25T12:00:00Z')
const base = { now: NOW, cancelled: false, draining: false, paused: false }

describe('decideAtBoundary', () => {
  it('goes when nothing holds it back', () => {
    expect(decideAtBoundary(base)).toEqual({ kind: 'go' })
  })
  it('cancel and stop win over everything, then draining, then pause', () => {
    expect(decideAtBoundary({ ...base, cancelled: true, paused: true, draining: true })).toEqual({
      kind: 'stop',
      why: 'cancelled'
    })
    expect(decideAtBoundary({ ...base, stopReason: 'x', paused: true })).toEqual({ kind: 'stop', why: 'stopped' })
    expect(decideAtBoundary({ ...base, draining: true, paused: true })).toEqual({ kind: 'hand-over' })
    expect(decideAtBoundary({ ...base, paused: true, soakUntil: NOW + 5000 })).toEqual({
      kind: 'wait',
      reason: 'paused',
      until: NOW + PAUSE_RECHECK_MS
    })
  })
  it('soaks until the soak ends, then checks the window', () => {
    expect(decideAtBoundary({ ...base, soakUntil: NOW + 5000 })).toEqual({
      kind: 'wait',
      reason: 'soak',
      until: NOW + 5000
    })
    expect(decideAtBoundary({ ...base, soakUntil: NOW - 1 })).toEqual({ kind: 'go' })
    const closed = { start: '22:00', end: '05:00', timezone: 'UTC' }
    expect(decideAtBoundary({ ...base, soakUntil: NOW - 1, window: closed })).toMatchObject({
      kind: 'wait',
      reason: 'window'
    })
  })
  it('waits for a closed window in slices; goes inside it', () => {
    const soon = { start: '12:01', end: '13:00', timezone: 'UTC' }
    expect(decideAtBoundary({ ...base, window: soon })).toEqual({ kind: 'wait', reason: 'window', until: NOW + 60_000 })
    const tonight = { start: '22:00', end: '05:00', timezone: 'UTC' }
    expect(decideAtBoundary({ ...base, window: tonight })).toEqual({
      kind: 'wait',
      reason: 'window',
      until: NOW + MAX_WAIT_SLICE_MS
    })
    expect(decideAtBoundary({ ...base, window: { start: '11:00', end: '13:00', timezone: 'UTC' } })).toEqual({
      kind: 'go'
    })
  })
})

describe('goesWithoutReading', () => {
  const own = { now: NOW, draining: false, canary: false, gate: false }
  it('goes when nothing the worker knows holds the host back: the claim checks the rest', () => {
    expect(goesWithoutReading(own)).toBe(true)
    expect(
      goesWithoutReading({ ...own, soakUntil: NOW - 1, window: { start: '10:00', end: '14:00', timezone: 'UTC' } })
    ).toBe(true)
  })
  it('reads the boundary for a canary or a gate, while draining, soaking or outside the window', () => {
    expect(goesWithoutReading({ ...own, canary: true })).toBe(false)
    expect(goesWithoutReading({ ...own, gate: true })).toBe(false)
    expect(goesWithoutReading({ ...own, draining: true })).toBe(false)
    expect(goesWithoutReading({ ...own, soakUntil: NOW + 5000 })).toBe(false)
    expect(goesWithoutReading({ ...own, window: { start: '22:00', end: '05:00', timezone: 'UTC' } })).toBe(false)
  })
})

describe('gateStep', () => {
  const wait: GateWait = { hostId: 'h', since: NOW, attempts: 1, lastExitCode: 1, output: 'ceph HEALTH_WARN\n' }
  it('passes on exit 0, retries every 10 s before the deadline, fails after it naming attempts and output', () => {
    expect(gateStep(wait, 0, NOW, 60)).toEqual({ kind: 'pass' })
    expect(gateStep(wait, 1, NOW, 60)).toEqual({ kind: 'retry', at: NOW + GATE_RETRY_MS })
    expect(gateStep(wait, 1, NOW + 50_000, 60)).toEqual({ kind: 'retry', at: NOW + 60_000 })
    expect(gateStep({ ...wait, attempts: 7 }, 1, NOW + 50_001, 60)).toEqual({
      kind: 'fail',
      message: 'gate not passed within 60 s (7 attempts; last exited 1): ceph HEALTH_WARN'
    })
    expect(gateStep(wait, null, NOW + 61_000, 60)).toMatchObject({
      kind: 'fail',
      message: expect.stringMatching(/did not exit normally/)
    })
  })
})

describe('gateArgv', () => {
  it('substitutes host and cluster placeholders inside arguments, nothing else', () => {
    const host = { id: 'h1', name: 'kvm1', address: '10.0.0.1', clusterId: 'c1' } as HostConfig
    expect(
      gateArgv(['check', '--host={host.name}', '{host.address}', '{cluster.id}', '$(reboot)', '{other}'], host)
    ).toEqual(['check', '--host=kvm1', '10.0.0.1', 'c1', '$(reboot)', '{other}'])
  })
})
