import type { StageResult } from './stage-result.js'

/** What the persistent runner answers to one request (see runner-program.ts for the protocol). */
export interface RunnerReply {
  kind: 'found' | 'missing' | 'exited' | 'timeout' | 'vanished' | 'unknown' | 'done' | 'error' | 'held'
  code: string
  bootAtStart: string
  bootNow: string
  output: Buffer
}

const KINDS = new Set<RunnerReply['kind']>([
  'found',
  'missing',
  'exited',
  'timeout',
  'vanished',
  'unknown',
  'done',
  'error',
  'held'
])
export const OUTPUT_LIMIT = 64 * 1024

export function endMarker(nonce: string): Buffer {
  return Buffer.from(`\nROLLMAINT-END ${nonce} `)
}

/**
 * Finds the end of a reply in what the runner wrote so far (`buf`). Returns undefined until the
 * whole status line is in; otherwise the reply and how many bytes of `buf` it used.
 */
export function takeReply(buf: Buffer, nonce: string): { reply: RunnerReply; used: number } | undefined {
  const marker = endMarker(nonce)
  const at = buf.indexOf(marker)
  if (at < 0) return undefined
  const eol = buf.indexOf(0x0a, at + marker.length)
  if (eol < 0) return undefined
  const [kind, code, bootAtStart, bootNow] = buf
    .subarray(at + marker.length, eol)
    .toString('utf8')
    .split(' ')
  const output = buf.subarray(Math.max(0, at - OUTPUT_LIMIT), at)
  if (!kind || !KINDS.has(kind as RunnerReply['kind'])) {
    return {
      reply: { kind: 'error', code: `bad reply ${kind ?? ''}`, bootAtStart: '-', bootNow: '-', output },
      used: eol + 1
    }
  }
  return {
    reply: {
      kind: kind as RunnerReply['kind'],
      code: code ?? '-',
      bootAtStart: bootAtStart ?? '-',
      bootNow: bootNow ?? '-',
      output
    },
    used: eol + 1
  }
}

/** A stage reply as a StageResult; undefined for kinds that are not a stage's outcome. Pure. */
export function stageResultOf(
  reply: RunnerReply,
  timing: { startedAt: string; finishedAt: string; durationMs: number }
): StageResult | undefined {
  const output = reply.output.toString('utf8')
  const bootIdChanged = reply.bootAtStart !== '-' && reply.bootAtStart !== reply.bootNow
  switch (reply.kind) {
    case 'missing':
      return { kind: 'missing' }
    case 'vanished':
      return { kind: 'vanished', output, bootIdChanged }
    case 'timeout':
      return { kind: 'timeout', output, ...timing, bootIdChanged }
    case 'exited':
      return { kind: 'exited', exitCode: Number(reply.code), output, ...timing, bootIdChanged }
    case 'found':
    case 'unknown':
    case 'done':
    case 'error':
    case 'held':
      return undefined
  }
}
