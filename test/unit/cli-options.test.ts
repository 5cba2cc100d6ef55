import { describe, expect, it } from 'vitest'
import { nonNegativeInt, positiveInt, startBody } from '../../cli/commands/start.js'
import { renderPlan } from '../../cli/render-plan.js'
import { resolveConnection } from '../../cli/connection-options.js'
import { reconnectDelayMs } from '../../cli/follow-run-events.js'

describe('resolveConnection', () => {
  const env = { ROLLMAINT_URL: 'http://api:9000', ROLLMAINT_API_KEY: 'env-key', ROLLMAINT_SECRET_KEY: 'env-secret' }

  it('flags win over the environment, which wins over the default URL', () => {
    expect(resolveConnection({ url: 'https://x', apiKey: 'k', secretKey: 's' }, env)).toEqual({
      url: 'https://x',
      apiKey: 'k',
      secretKey: 's'
    })
    expect(resolveConnection({}, env)).toEqual({ url: 'http://api:9000', apiKey: 'env-key', secretKey: 'env-secret' })
    expect(resolveConnection({}, { ROLLMAINT_API_KEY: 'k', ROLLMAINT_SECRET_KEY: 's' }).url).toBe(
      'http://127.0.0.1:8080'
    )
  })

  it('missing credentials or a URL that is not http(s) are usage errors that never echo the secret', () => {
    expect(() => resolveConnection({ apiKey: 'k' }, {})).toThrow(/--secret-key.*ROLLMAINT_SECRET_KEY/)
    expect(() => resolveConnection({ url: 'ftp://x', apiKey: 'k', secretKey: 'hush-123' }, {})).toThrow(/http\(s\) URL/)
    // Fails when nothing throws (the old form asserted inside a catch and passed silently).
    for (const url of ['nope', 'ftp://hush-123@x', 'http//x']) {
      let thrown: unknown
      try {
        resolveConnection({ url, apiKey: 'k', secretKey: 'hush-123' }, {})
      } catch (err) {
        thrown = err
      }
      expect(thrown, url).toBeInstanceOf(Error)
      expect((thrown as Error).message).toMatch(/http\(s\) URL/)
      expect((thrown as Error).message).not.toContain('hush-123')
    }
  })
})

describe('start flags', () => {
  it('only what was given goes into the request body; ids stay comma-separated', () => {
    expect(startBody({ clusterids: 'c1,c2' })).toEqual({ clusterids: 'c1,c2' })
    expect(startBody({ zoneids: 'z', hostids: 'h', forced: true, payload: '', timeout: 30, watch: true })).toEqual({
      zoneids: 'z',
      hostids: 'h',
      forced: true,
      payload: '',
      timeout: 30
    })
  })

  it('--timeout and --limit take whole numbers from 1', () => {
    expect(positiveInt('30')).toBe(30)
    for (const bad of ['0', '-4', '1.5', 'x', '']) expect(() => positiveInt(bad)).toThrow(/whole number/)
  })
})

describe('reconnect delays', () => {
  it('double from 0.25 s and stay at most 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(reconnectDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000])
  })
})

describe('start flags for the operator controls', () => {
  it('--dry-run, --max-failures, --canary, --soak and the window flags map to the request fields', () => {
    expect(
      startBody({
        clusterids: 'c1',
        dryRun: true,
        maxFailures: 0,
        canary: 2,
        soak: 300,
        windowStart: '22:00',
        windowEnd: '05:00',
        windowTz: 'Europe/Berlin',
        windowDays: 'Fri, sat'
      })
    ).toEqual({
      clusterids: 'c1',
      dryRun: true,
      maxFailures: 0,
      canary: 2,
      soakSeconds: 300,
      window: { start: '22:00', end: '05:00', timezone: 'Europe/Berlin', days: ['fri', 'sat'] }
    })
  })

  it('a window needs start, end and time zone together', () => {
    expect(() => startBody({ clusterids: 'c1', windowStart: '22:00' })).toThrow(
      /--window-start, --window-end and --window-tz/
    )
    expect(() => startBody({ clusterids: 'c1', windowDays: 'mon' })).toThrow(/--window-start/)
  })

  it('--soak and --max-failures take 0 or more', () => {
    expect(nonNegativeInt('0')).toBe(0)
    for (const bad of ['-1', '1.5', 'x', '']) expect(() => nonNegativeInt(bad)).toThrow(/0 or more/)
  })
})

describe('renderPlan', () => {
  it('one block per cluster, one line per host with action and reason, then the problems', () => {
    const text = renderPlan({
      hostsTotal: 3,
      hostsToMaintain: 2,
      hostsToSkip: 1,
      wouldStart: false,
      problems: ['cluster cl2 is in active run r9: a real start would be refused (409)'],
      controls: {
        forced: false,
        maxFailures: 1,
        soakSeconds: 60,
        timeout: 1800,
        maxParallelClusters: 4,
        window: { start: '22:00', end: '05:00', timezone: 'UTC', openNow: false, opensAt: '2026-11-25T22:00:00Z' }
      },
      clusters: [
        {
          clusterId: 'c1',
          clusterName: 'cl1',
          order: 0,
          gate: ['ceph-ok'],
          gateTimeout: 1800,
          maintenanceDriver: 'libvirt',
          capacity: { verdict: 'fits', reason: 'every host fits' },
          hosts: [
            {
              hostId: 'a',
              hostName: 'kvm1',
              action: 'maintain',
              reason: 'ok',
              maintenanceDriver: 'libvirt',
              evacuation: {
                verdict: 'fits',
                reason: '',
                migrations: [{ vm: 'vm1', to: 'b', toName: 'kvm2', memoryMiB: 1024 }]
              }
            },
            {
              hostId: 'b',
              hostName: 'kvm2',
              action: 'skip',
              reason: 'Host is not Enabled',
              maintenanceDriver: 'libvirt'
            }
          ]
        },
        {
          clusterId: 'c2',
          clusterName: 'cl2',
          order: 1,
          activeRunId: 'r9',
          maintenanceDriver: 'none',
          hosts: [{ hostId: 'c', hostName: 'kvm3', action: 'maintain', reason: 'ok', maintenanceDriver: 'none' }]
        }
      ]
    })
    expect(text.split('\n')).toEqual([
      'dry run: 2 of 3 hosts would be maintained, 1 skipped (forced false, maxFailures 1, canary none, soak 60 s, stage timeout 1800 s)',
      'window: 22:00-05:00 UTC (every day); closed now, opens 2026-11-25T22:00:00Z',
      '1. cluster cl1  [gate: ceph-ok (up to 1800 s); driver libvirt; capacity: fits (every host fits)]',
      '   maintain kvm1: ok',
      '            vm1 -> kvm2 (1024 MiB)',
      '   skip     kvm2: Host is not Enabled',
      '2. cluster cl2  [in active run r9]',
      '   maintain kvm3: ok',
      '! cluster cl2 is in active run r9: a real start would be refused (409)',
      'a real start would be refused or end at once'
    ])
  })
})
