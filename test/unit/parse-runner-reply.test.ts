import { describe, expect, it } from 'vitest'
import { parseRunnerReply } from '../../workers/ssh/run-stage.js'

const b = (s: string) => Buffer.from(s)

describe('stage runner status line', () => {
  it('parses an exited stage with boot ids; timing comes from the caller', () => {
    const timing = { startedAt: '2023-11-14T22:13:20.250Z', finishedAt: '2023-11-14T22:13:21.750Z', durationMs: 1500 }
    const r = parseRunnerReply(b('hello\n'), b('ROLLMAINT-STATUS exited 3 boot1 boot1\n'), timing)
    expect(r).toEqual({ kind: 'exited', exitCode: 3, output: 'hello\n', ...timing, bootIdChanged: false })
  })

  it('a timeout, a vanished stage after a reboot, a missing script', () => {
    expect(parseRunnerReply(b(''), b('ROLLMAINT-STATUS timeout 143 b1 b1\n'))).toMatchObject({ kind: 'timeout' })
    expect(parseRunnerReply(b('partial'), b('ROLLMAINT-STATUS vanished - b1 b2\n'))).toEqual({ kind: 'vanished', output: 'partial', bootIdChanged: true })
    expect(parseRunnerReply(b(''), b('ROLLMAINT-STATUS missing - - b1\n'))).toEqual({ kind: 'missing' })
  })

  it('no status line: undefined (the caller decides between lost connection and runner failure)', () => {
    expect(parseRunnerReply(b('x'), b('sh: flock: not found\n'))).toBeUndefined()
  })
})
