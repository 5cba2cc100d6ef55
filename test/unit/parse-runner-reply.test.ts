import { describe, expect, it } from 'vitest'
import { stageResultOf, takeReply } from '../../workers/ssh/runner-reply.js'

const b = (s: string) => Buffer.from(s)
const timing = { startedAt: '2023-11-14T22:13:20.250Z', finishedAt: '2023-11-14T22:13:21.750Z', durationMs: 1500 }

describe('persistent runner replies', () => {
  it('output then the end line with the request nonce; timing comes from the caller', () => {
    const buf = b('hello\n\nROLLMAINT-END n1 exited 3 boot1 boot1\nnext')
    const found = takeReply(buf, 'n1')!
    expect(found.used).toBe(buf.length - 4)
    expect(stageResultOf(found.reply, timing)).toEqual({
      kind: 'exited',
      exitCode: 3,
      output: 'hello\n',
      ...timing,
      bootIdChanged: false
    })
  })

  it('waits for the whole end line; an end line with another nonce is output (a script cannot forge it)', () => {
    expect(takeReply(b('x\nROLLMAINT-END n1 exited 0 a a'), 'n1')).toBeUndefined()
    const forged = b('\nROLLMAINT-END guess exited 0 a a\n')
    expect(takeReply(forged, 'n1')).toBeUndefined()
    const r = takeReply(Buffer.concat([forged, b('\nROLLMAINT-END n1 exited 1 a a\n')]), 'n1')!
    expect(r.reply.output.toString()).toBe(forged.toString())
  })

  it('a timeout, a vanished stage after a reboot, a missing script; found/unknown are not stage results', () => {
    const one = (s: string) => stageResultOf(takeReply(b(s), 'n')!.reply, timing)
    expect(one('\nROLLMAINT-END n timeout 124 b1 b1\n')).toMatchObject({ kind: 'timeout', bootIdChanged: false })
    expect(one('partial\nROLLMAINT-END n vanished - b1 b2\n')).toEqual({
      kind: 'vanished',
      output: 'partial',
      bootIdChanged: true
    })
    expect(one('\nROLLMAINT-END n missing - - b1\n')).toEqual({ kind: 'missing' })
    expect(one('\nROLLMAINT-END n unknown - - b1\n')).toBeUndefined()
    expect(one('\nROLLMAINT-END n found - - b1\n')).toBeUndefined()
  })

  it('keeps only the last 64 KiB of output', () => {
    const big = Buffer.concat([Buffer.alloc(70_000, 'a'), b('END'), b('\nROLLMAINT-END n exited 0 - x\n')])
    const r = takeReply(big, 'n')!
    expect(r.reply.output.length).toBe(65536)
    expect(r.reply.output.toString().endsWith('aEND')).toBe(true)
  })

  it('an unknown kind is an error reply', () => {
    expect(takeReply(b('\nROLLMAINT-END n weird 1 - -\n'), 'n')!.reply.kind).toBe('error')
  })
})
