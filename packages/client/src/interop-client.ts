import {
  mosipCorrectionPayloadSchema,
  mosipInteropPayloadSchema,
  type MosipCorrectionPayload,
  type MosipInteropPayload
} from '@mosip-bridge/contracts'
import { endpointUrl } from './endpoint-url.js'
import {
  MosipInteropHttpError,
  MosipInteropNetworkError,
  MosipInteropPayloadError,
  MosipInteropResponseError,
  type MosipInteropError,
  type MosipInteropOperation
} from './interop-errors.js'
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  retryAfterMs,
  retryDelayMs,
  type RetryPolicy
} from './retry-policy.js'

/**
 * `createMosipInteropClient(url, authorizationHeader)`: the country configuration's client of the
 * bridge, with the reference's methods and payloads (`@opencrvs/mosip/api`), so that a country
 * configuration switches by changing the import.
 */

export type { MosipCorrectionPayload, MosipInteropPayload } from '@mosip-bridge/contracts'

/** `POST /verify` body: demographic authentication of a national id. */
export interface VerifyNidPayload {
  nid: string
  /** `YYYY-MM-DD`. */
  dob: string
  name: { firstname: string; middlename?: string; surname: string }
  gender?: string
  /** Used only in the bridge's logs. */
  transactionId?: string
}

export type VerifyNidResponse = 'verified' | 'failed'

/** The bridge's 202 body: `{transactionId}` (the reference mosip-api answers `{}`). */
export type RegistrationEventResponse = { transactionId?: string } & Record<string, unknown>

export interface MosipInteropClient {
  /** `POST {url}/events/registration`: a birth or a death for MOSIP. */
  register(payload: MosipInteropPayload): Promise<RegistrationEventResponse>
  /** `POST {url}/events/update-biographics`: a demographic update (CRVS_UPDATE). */
  updateBiographics(payload: MosipCorrectionPayload): Promise<RegistrationEventResponse>
  /** `POST {url}/verify`: `verified` or `failed`. */
  verifyNid(payload: VerifyNidPayload): Promise<VerifyNidResponse>
}

/** Told before each retry (for logs and metrics). */
export interface RetryNotice {
  operation: MosipInteropOperation
  /** The attempt that failed (1-based). */
  attempt: number
  delayMs: number
  error: MosipInteropError
}

export interface MosipInteropClientOptions {
  /** Per attempt, body included. Default 15000 ms (the reference's). */
  timeoutMs?: number
  /** Retries after the first attempt, on network errors, timeouts and 5xx. Default 2. */
  retries?: number
  /** First retry delay (doubling, with jitter). Default 250 ms. */
  retryDelayMs?: number
  /** Cap of a retry delay and of `Retry-After`. Default 2000 ms. */
  maxRetryDelayMs?: number
  onRetry?: (notice: RetryNotice) => void
  /** Default: the global fetch. */
  fetch?: typeof fetch
}

/**
 * `/verify` answers text unless JSON is preferred (the bridge then adds IDA's reasons); this
 * client reads the text, as the reference does.
 */
const ACCEPT: Record<MosipInteropOperation, string> = {
  register: 'application/json',
  updateBiographics: 'application/json',
  verifyNid: 'text/plain'
}

const ROUTES: Record<MosipInteropOperation, string> = {
  register: 'events/registration',
  updateBiographics: 'events/update-biographics',
  verifyNid: 'verify'
}

const BODY_EXCERPT = 2000

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The bridge's explanation in an error body: `message` (ours), `error` (mosip-api's) or the text. */
export function bridgeMessageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body)
    if (isRecord(parsed)) {
      if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message
      if (typeof parsed.error === 'string' && parsed.error !== '') return parsed.error
    }
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 500)
}

function zodIssues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.')
    return path ? `${path}: ${issue.message}` : issue.message
  })
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== ''
}

function verifyPayloadIssues(payload: VerifyNidPayload): string[] {
  const issues: string[] = []
  if (!nonEmpty(payload?.nid)) issues.push('nid: a non-empty string is required')
  if (!nonEmpty(payload?.dob)) issues.push('dob: a date (YYYY-MM-DD) is required')
  if (!isRecord(payload?.name)) issues.push('name: {firstname, surname} is required')
  if (payload?.gender !== undefined && typeof payload.gender !== 'string')
    issues.push('gender: a string is expected')
  return issues
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const code = isRecord(cause) && typeof cause.code === 'string' ? ` (${cause.code})` : ''
    return `${error.message}${code}`
  }
  return String(error)
}

/** `verified` / `failed` from the text answer, or from a JSON `{status}` or JSON string. */
function verdictOf(body: string): VerifyNidResponse | undefined {
  let value: unknown = body.trim()
  try {
    value = JSON.parse(body)
  } catch {
    // plain text, as expected
  }
  if (isRecord(value)) value = value.status
  return value === 'verified' || value === 'failed' ? value : undefined
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * A client of the bridge for one OpenCRVS action: `url` is the bridge's base URL
 * (`MOSIP_INTEROP_URL`, with or without a path and trailing slash), `authorizationHeader` the
 * header to send, normally `Bearer <the action token core sent with the trigger>`.
 */
export function createMosipInteropClient(
  url: string,
  authorizationHeader: string,
  options: MosipInteropClientOptions = {}
): MosipInteropClient {
  // Fail on a malformed URL now rather than on the first call.
  endpointUrl(url, '')
  const timeoutMs = options.timeoutMs ?? 15_000
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    ...(options.retries !== undefined ? { retries: Math.max(0, options.retries) } : {}),
    ...(options.retryDelayMs !== undefined ? { baseDelayMs: options.retryDelayMs } : {}),
    ...(options.maxRetryDelayMs !== undefined ? { maxDelayMs: options.maxRetryDelayMs } : {})
  }
  const doFetch = options.fetch ?? fetch

  /** One attempt: the status and text, or a network/timeout error. */
  async function attempt(
    operation: MosipInteropOperation,
    target: string,
    body: string,
    attemptNumber: number
  ): Promise<{ status: number; text: string; retryAfter: number | undefined }> {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const response = await doFetch(target, {
        method: 'POST',
        headers: {
          authorization: authorizationHeader,
          'content-type': 'application/json',
          accept: ACCEPT[operation]
        },
        body,
        signal
      })
      const text = await response.text()
      return {
        status: response.status,
        text,
        retryAfter: retryAfterMs(response.headers.get('retry-after'))
      }
    } catch (error) {
      const details = { operation, url: target, attempts: attemptNumber, cause: error }
      if (signal.aborted) {
        throw new MosipInteropNetworkError(
          'TIMEOUT',
          `the bridge did not answer within ${timeoutMs} ms`,
          details
        )
      }
      throw new MosipInteropNetworkError(
        'NETWORK',
        `the bridge could not be reached: ${errorText(error)}`,
        details
      )
    }
  }

  /** POSTs with retries; resolves with the 2xx answer or throws the last failure. */
  async function send(
    operation: MosipInteropOperation,
    payload: unknown
  ): Promise<{ status: number; text: string; target: string; attempts: number }> {
    const target = endpointUrl(url, ROUTES[operation])
    const body = JSON.stringify(payload)
    for (let attemptNumber = 1; ; attemptNumber++) {
      let failure: MosipInteropError
      let retryAfter: number | undefined
      try {
        const answer = await attempt(operation, target, body, attemptNumber)
        if (answer.status >= 200 && answer.status < 300) {
          return { status: answer.status, text: answer.text, target, attempts: attemptNumber }
        }
        failure = new MosipInteropHttpError(
          answer.status,
          bridgeMessageOf(answer.text),
          answer.text.slice(0, BODY_EXCERPT),
          { operation, url: target, attempts: attemptNumber }
        )
        retryAfter = isRetryableStatus(answer.status) ? answer.retryAfter : undefined
      } catch (error) {
        if (!(error instanceof MosipInteropNetworkError)) throw error
        failure = error
      }
      if (!failure.retryable || attemptNumber > policy.retries) throw failure
      const delayMs = retryDelayMs(policy, attemptNumber, retryAfter)
      options.onRetry?.({ operation, attempt: attemptNumber, delayMs, error: failure })
      await sleep(delayMs)
    }
  }

  function accepted(text: string): RegistrationEventResponse {
    if (text.trim() === '') return {}
    try {
      const parsed: unknown = JSON.parse(text)
      return isRecord(parsed) ? (parsed as RegistrationEventResponse) : {}
    } catch {
      // A 2xx means the bridge took the record; an unreadable body does not change that.
      return {}
    }
  }

  return {
    async register(payload) {
      const parsed = mosipInteropPayloadSchema.safeParse(payload)
      const issues = parsed.success ? [] : zodIssues(parsed.error)
      if (parsed.success) {
        const fields = parsed.data.requestFields
        const birth = nonEmpty(fields.birthCertificateNumber)
        const death = nonEmpty(fields.deathCertificateNumber)
        if (birth === death) {
          issues.push(
            'requestFields: exactly one of birthCertificateNumber and deathCertificateNumber is required'
          )
        }
      }
      if (!parsed.success || issues.length > 0) {
        throw new MosipInteropPayloadError(issues, {
          operation: 'register',
          url: endpointUrl(url, ROUTES.register),
          attempts: 0
        })
      }
      return accepted((await send('register', parsed.data)).text)
    },

    async updateBiographics(payload) {
      const parsed = mosipCorrectionPayloadSchema.safeParse(payload)
      if (!parsed.success) {
        throw new MosipInteropPayloadError(zodIssues(parsed.error), {
          operation: 'updateBiographics',
          url: endpointUrl(url, ROUTES.updateBiographics),
          attempts: 0
        })
      }
      return accepted((await send('updateBiographics', parsed.data)).text)
    },

    async verifyNid(payload) {
      const issues = verifyPayloadIssues(payload)
      if (issues.length > 0) {
        throw new MosipInteropPayloadError(issues, {
          operation: 'verifyNid',
          url: endpointUrl(url, ROUTES.verifyNid),
          attempts: 0
        })
      }
      const answer = await send('verifyNid', payload)
      const verdict = verdictOf(answer.text)
      if (verdict) return verdict
      throw new MosipInteropResponseError(
        answer.status,
        answer.text.slice(0, BODY_EXCERPT),
        `expected "verified" or "failed", got ${JSON.stringify(answer.text.slice(0, 100))}`,
        { operation: 'verifyNid', url: answer.target, attempts: answer.attempts }
      )
    }
  }
}
