/** CloudStack prints and reads dates as Java's `yyyy-MM-dd'T'HH:mm:ssZ`: `2020-03-11T17:21:07+0000`. */
export function toCloudStackDate(at: string | Date): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, '+0000')
}
