/** CloudStack's error codes (ApiErrorCode) and the cserrorcode its exceptions carry. */
export const CS_ERRORS = {
  UNAUTHORIZED: { errorcode: 401, cserrorcode: 9999 },
  PARAM_ERROR: { errorcode: 431, cserrorcode: 4350 },
  UNSUPPORTED_ACTION_ERROR: { errorcode: 432, cserrorcode: 9999 },
  INTERNAL_ERROR: { errorcode: 530, cserrorcode: 9999 },
  RESOURCE_UNAVAILABLE_ERROR: { errorcode: 534, cserrorcode: 9999 }
} as const

export type CsErrorKind = keyof typeof CS_ERRORS

/** Thrown by command handlers; the route turns it into CloudStack's error body and HTTP status. */
export class CloudStackApiError extends Error {
  readonly code = 'CLOUDSTACK_API_ERROR'
  override readonly name = 'CloudStackApiError'
  constructor(
    readonly kind: CsErrorKind,
    message: string
  ) {
    super(message)
  }
}

/** `{"<command>response": {"uuidList": [], "errorcode": N, "cserrorcode": M, "errortext": "..."}}` */
export function cloudStackErrorBody(
  command: string | undefined,
  kind: CsErrorKind,
  text: string
): Record<string, unknown> {
  const key = `${(command ?? 'error').toLowerCase()}response`
  return { [key]: { uuidList: [], ...CS_ERRORS[kind], errortext: text } }
}
