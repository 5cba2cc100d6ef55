import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FleetReport } from './scenarios/fleet-report.js'

export interface BenchReport {
  date: string
  machine: { cores: number; memoryGiB: number; cpu: string; node: string }
  /** 1-minute load average when the run started and ended (the machine may be shared), and the nice value. */
  load?: { start: number; end: number; nice: number } | undefined
  /** Runs per scenario (medians are of these). */
  runs?: number | undefined
  /** The commit measured. */
  commit?: string | undefined
  profile: Record<string, number>
  overhead: Record<string, number>
  seed: Record<string, number>
  ansible: Record<string, number | string>
  scale: Array<Record<string, number>>
  /** Evacuation on the KVM lab (libvirt driver); absent until that scenario ran. */
  evacuation?: Record<string, number> | undefined
  /** The scale scenario on the code before issue 12's round-trip cuts (`npm run bench -- scale-baseline`). */
  scaleBaseline?: { commit: string; rows: Array<Record<string, number>> } | undefined
  /** Real sshd hosts at scale (issue 16); absent until that scenario ran. */
  fleet?: FleetReport | undefined
  targets: Array<{ target: string; measured: string; met: boolean }>
}

export function machine(): BenchReport['machine'] {
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version
  }
}

/** Throughput against worker count, as a small self-contained SVG. */
export function throughputSvg(points: Array<{ workers: number; hostCyclesPerSec: number }>): string {
  const w = 480
  const h = 300
  const pad = 50
  const maxX = Math.max(...points.map((p) => p.workers))
  const maxY = Math.max(...points.map((p) => p.hostCyclesPerSec)) * 1.15
  const x = (v: number) => pad + ((w - 2 * pad) * (v - 1)) / Math.max(1, maxX - 1)
  const y = (v: number) => h - pad - ((h - 2 * pad) * v) / maxY
  const line = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.workers).toFixed(1)},${y(p.hostCyclesPerSec).toFixed(1)}`)
    .join(' ')
  const dots = points
    .map(
      (p) =>
        `<circle cx="${x(p.workers).toFixed(1)}" cy="${y(p.hostCyclesPerSec).toFixed(1)}" r="4"/><text x="${x(p.workers).toFixed(1)}" y="${(y(p.hostCyclesPerSec) - 10).toFixed(1)}" text-anchor="middle">${p.hostCyclesPerSec}</text>`
    )
    .join('')
  const ticks = points
    .map((p) => `<text x="${x(p.workers).toFixed(1)}" y="${h - pad + 18}" text-anchor="middle">${p.workers}</text>`)
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">host cycles per second vs worker processes (10,000 hosts, simulated executor)</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>
${ticks}<text x="${w / 2}" y="${h - 12}" text-anchor="middle">worker processes</text>
<path d="${line}" fill="none" stroke="steelblue" stroke-width="2"/><g fill="steelblue">${dots}</g>
</svg>
`
}

export function writeReport(dir: string, report: BenchReport, readme: string): void {
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(
    path.join(dir, 'throughput.svg'),
    throughputSvg(report.scale.map((s) => ({ workers: s.workers!, hostCyclesPerSec: s.hostCyclesPerSec! })))
  )
  writeFileSync(path.join(dir, 'README.md'), readme)
}
