/**
 * Keeps the last `limit` bytes of a stream without holding the whole of it: a chatty command that
 * prints gigabytes costs at most twice the limit in memory.
 */
export class OutputTail {
  #chunks: Buffer[] = []
  #size = 0
  #dropped = 0

  constructor(readonly limit = 64 * 1024) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#size += chunk.length
    if (this.#size > 2 * this.limit) this.#compact()
  }

  /** Bytes thrown away from the front so far. */
  get droppedBytes(): number {
    return this.#dropped + Math.max(0, this.#size - this.limit)
  }

  toString(): string {
    this.#compact()
    // a cut in the middle of a multi-byte character decodes as U+FFFD; drop it rather than show garbage
    return Buffer.concat(this.#chunks)
      .toString('utf8')
      .replace(/^\uFFFD+/, '')
  }

  #compact(): void {
    const all = Buffer.concat(this.#chunks)
    const keep = all.subarray(Math.max(0, all.length - this.limit))
    this.#dropped += all.length - keep.length
    this.#chunks = [keep]
    this.#size = keep.length
  }
}
