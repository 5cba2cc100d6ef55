import { inspect } from 'node:util'

const REDACTED = '[redacted]'

/**
 * A credential read from a file at start-up. It travels inside configuration objects that get logged,
 * serialised or printed by accident; every one of those paths sees `[redacted]`, only `reveal()`
 * gives the value.
 */
export class Secret {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  reveal(): string {
    return this.#value
  }

  toJSON(): string {
    return REDACTED
  }

  toString(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`
  }
}
