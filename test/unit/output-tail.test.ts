import { describe, expect, it } from 'vitest'
import { OutputTail } from '../../workers/maintenance/output-tail.js'

describe('OutputTail keeps the last bytes of a stream', () => {
  it('keeps everything under the limit', () => {
    const t = new OutputTail(10)
    t.push(Buffer.from('abc'))
    t.push(Buffer.from('def'))
    expect(t.toString()).toBe('abcdef')
    expect(t.droppedBytes).toBe(0)
  })

  it('keeps the last `limit` bytes across many chunks and counts what it dropped', () => {
    const t = new OutputTail(8)
    for (let i = 0; i < 100; i++) t.push(Buffer.from(`${i % 10}`))
    expect(t.toString()).toBe('23456789')
    expect(t.droppedBytes).toBe(92)
  })

  it('does not start with half a multi-byte character', () => {
    const t = new OutputTail(5)
    t.push(Buffer.from('ééé')) // 6 bytes: the cut falls inside the first é
    expect(t.toString()).toBe('éé')
  })
})
