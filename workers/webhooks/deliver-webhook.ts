import { SIGNATURE_HEADER, signWebhook } from '../../shared/webhooks/sign-webhook.js'

export const DELIVERY_TIMEOUT_MS = 10_000

/**
 * One POST of a signed body. Resolves on any 2xx; throws otherwise (BullMQ retries with backoff).
 * The error names the URL's origin and the status, never the secret.
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  body: string,
  headers: { type: string; deliveryId: string },
  timeoutMs = DELIVERY_TIMEOUT_MS
): Promise<number> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'rollmaint-webhook',
        [SIGNATURE_HEADER]: signWebhook(secret, body),
        'X-Rollmaint-Event': headers.type,
        'X-Rollmaint-Delivery': headers.deliveryId
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual'
    })
  } catch (err) {
    const e = err as Error
    throw new Error(`webhook ${new URL(url).origin}: ${e.cause instanceof Error ? e.cause.message : e.message}`)
  }
  await res.body?.cancel().catch(() => undefined)
  if (res.status < 200 || res.status > 299) throw new Error(`webhook ${new URL(url).origin} answered ${res.status}`)
  return res.status
}
