/**
 * Errors of {@link createMosipInteropClient}. Every one is a {@link MosipInteropError} with a
 * stable `code`, the operation, the URL and how many attempts were made; the message starts like
 * the reference client's (`Failed to register event: …`) so existing log searches keep working.
 */

export type MosipInteropOperation = 'register' | 'updateBiographics' | 'verifyNid'

export type MosipInteropErrorCode =
  /** The bridge answered with a non-2xx status (`status`, `bridgeMessage`). */
  | 'HTTP_STATUS'
  /** No answer: connection refused or reset, DNS failure… */
  | 'NETWORK'
  /** No answer within `timeoutMs`. */
  | 'TIMEOUT'
  /** The payload does not match the bridge's schema; nothing was sent. */
  | 'INVALID_PAYLOAD'
  /** A 2xx answer that cannot be read (e.g. `/verify` without `verified` or `failed`). */
  | 'INVALID_RESPONSE'

const FAILURE_PREFIX: Record<MosipInteropOperation, string> = {
  register: 'Failed to register event',
  updateBiographics: 'Failed to update biographics',
  verifyNid: 'Failed to verify'
}

export interface MosipInteropErrorDetails {
  operation: MosipInteropOperation
  url: string
  attempts: number
  cause?: unknown
}

export class MosipInteropError extends Error {
  override readonly name: string = 'MosipInteropError'
  readonly code: MosipInteropErrorCode
  readonly operation: MosipInteropOperation
  readonly url: string
  /** Requests made, retries included (0 when nothing was sent). */
  readonly attempts: number

  constructor(code: MosipInteropErrorCode, detail: string, details: MosipInteropErrorDetails) {
    super(
      `${FAILURE_PREFIX[details.operation]}: ${detail}`,
      details.cause === undefined ? undefined : { cause: details.cause }
    )
    this.code = code
    this.operation = details.operation
    this.url = details.url
    this.attempts = details.attempts
  }

  /** Whether trying again later may help (network trouble, timeouts, 5xx). */
  get retryable(): boolean {
    return false
  }
}

/** The bridge answered, with a status other than 2xx. */
export class MosipInteropHttpError extends MosipInteropError {
  override readonly name = 'MosipInteropHttpError'
  readonly status: number
  /** The bridge's own explanation (`message` or `error` of its JSON body, else the text). */
  readonly bridgeMessage: string
  /** The raw body, at most 2000 characters. */
  readonly body: string

  constructor(
    status: number,
    bridgeMessage: string,
    body: string,
    details: MosipInteropErrorDetails
  ) {
    super(
      'HTTP_STATUS',
      `the bridge answered ${status}${bridgeMessage ? `: ${bridgeMessage}` : ''}`,
      details
    )
    this.status = status
    this.bridgeMessage = bridgeMessage
    this.body = body
  }

  override get retryable(): boolean {
    return this.status >= 500
  }
}

/** The bridge could not be reached, or did not answer in time. */
export class MosipInteropNetworkError extends MosipInteropError {
  override readonly name = 'MosipInteropNetworkError'

  constructor(code: 'NETWORK' | 'TIMEOUT', detail: string, details: MosipInteropErrorDetails) {
    super(code, detail, details)
  }

  override get retryable(): boolean {
    return true
  }
}

/** The payload failed validation before anything was sent. */
export class MosipInteropPayloadError extends MosipInteropError {
  override readonly name = 'MosipInteropPayloadError'
  /** One line per problem, `path: message`. */
  readonly issues: string[]

  constructor(issues: string[], details: MosipInteropErrorDetails) {
    super('INVALID_PAYLOAD', `invalid payload: ${issues.join('; ')}`, details)
    this.issues = issues
  }
}

/** A 2xx answer this client cannot read. */
export class MosipInteropResponseError extends MosipInteropError {
  override readonly name = 'MosipInteropResponseError'
  readonly status: number
  readonly body: string

  constructor(status: number, body: string, detail: string, details: MosipInteropErrorDetails) {
    super('INVALID_RESPONSE', detail, details)
    this.status = status
    this.body = body
  }
}
