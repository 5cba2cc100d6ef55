/** Dates (docs/api.md#the-result): ISO 8601, second precision, explicit offset (`2020-03-11T17:21:07+00:00`), as CloudStack prints them minus its quoted 'T'. */
export function formatDate(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00')
}
