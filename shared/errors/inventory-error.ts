/** The inventory file cannot be used; the message names the file, the path inside it and the problem. */
export class InventoryError extends Error {
  readonly code = 'INVENTORY_INVALID'
  override readonly name = 'InventoryError'
  constructor(
    readonly file: string,
    readonly problems: string[]
  ) {
    super(`invalid inventory ${file}:\n  - ${problems.join('\n  - ')}`)
  }
}
