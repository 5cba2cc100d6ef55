import { describe, expect, it } from 'vitest'
import { renderEventLine, renderProgress } from '../../cli/render-progress.js'
import type { RunView } from '../../shared/run-view.js'

const view: RunView = {
  id: 'run-1',
  status: 'running',
  request: { zoneids: ['z'], podids: [], clusterids: [], hostids: [], forced: false },
  createdAt: '2026-11-25T10:00:00.000Z',
  progress: {
    hostsTotal: 5,
    hostsDone: 2,
    hostsUpdated: 1,
    hostsSkipped: 1,
    clusters: [
      { clusterId: 'c1', clusterName: 'cluster1', hostsTotal: 3, hostsDone: 1, currentHostId: 'h2', currentHostName: 'kvm2', currentStage: 'Maintenance' },
      { clusterId: 'c2', clusterName: 'c2', hostsTotal: 2, hostsDone: 2 },
    ],
  },
}

describe('CLI rendering', () => {
  it('the live view: one line per cluster with done/total and the current host and stage', () => {
    expect(renderProgress(view, 12_400)).toBe(
      ['run run-1  running  12 s  hosts 2/5 done (1 updated, 1 skipped)', '  cluster1 [#..] 1/3  kvm2: Maintenance', '  c2       [##] 2/2  done'].join('\n'),
    )
  })

  it('plain lines for pipes: stage results with exit code and duration, skips and failures', () => {
    expect(renderEventLine('stage.finished', { hostName: 'kvm1', stage: 'Maintenance', result: 'exited', exitCode: 0, durationMs: 1003 }, 2500)).toBe(
      '[   2.5 s] kvm1 Maintenance finished: exited 0 in 1003 ms',
    )
    expect(renderEventLine('host.skipped', { hostName: 'kvm2', reason: 'Pre-flight stage set to avoid maintenance' }, 0)).toContain('kvm2 skipped: Pre-flight stage')
    expect(renderEventLine('host.failed', { hostName: 'kvm3', stage: 'PreMaintenance', message: 'exit status 3' }, 0)).toContain('kvm3 FAILED in PreMaintenance: exit status 3')
  })
})
