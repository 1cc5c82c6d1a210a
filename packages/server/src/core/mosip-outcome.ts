import {
  classifyTransport,
  ok,
  permanent,
  retry,
  type HttpExchange,
  type Outcome
} from './outcome.js'

/** MOSIP error entry as found in `errors[]` (packet manager and workflow use `message`). */
export interface MosipError {
  errorCode?: string
  message?: string
  errorMessage?: string
}

/**
 * MOSIP error codes that no retry can fix for this request: the request itself is malformed or
 * refused by validation. Everything else found in `errors[]` — unknown exceptions, encryption
 * or storage failures, codes we do not know — is treated as transient, because rejecting a
 * citizen's registration on a guess is worse than retrying a bounded number of times.
 */
const PERMANENT_CODES = new Set([
  'KER-PUT-020', // packet validation failed
  'KER-KPM-002', // schemaJson or identity JSON unparsable
  'KER-KPM-007', // invalid input
  'KER-KPM-008', // audits empty
  'RPR-WIN-000', // missing id/version/requesttime
  'RPR-WIN-001' // invalid id/version/requesttime
])

/** Codes that mean "your token is not accepted": re-login and retry. */
const AUTH_CODES = new Set(['KER-ATH-401', 'KER-ATH-403', 'KER-ATH-007', 'KER-ATH-008'])

/** Workflow instance already exists for (registrationId, process): the earlier call succeeded. */
export const WORKFLOW_ALREADY_PRESENT = 'RPR-WIS-001'

function errorsOf(body: unknown): MosipError[] {
  const errors = (body as { errors?: unknown } | null)?.errors
  return Array.isArray(errors) ? (errors as MosipError[]) : []
}

function describe(errors: MosipError[]): string {
  return errors
    .map((e) => `${e.errorCode ?? 'UNKNOWN'} ${e.message ?? e.errorMessage ?? ''}`.trim())
    .join('; ')
}

/**
 * Classifies a MOSIP answer. MOSIP reports most failures inside HTTP 200 (`errors[]`), and the
 * packet manager may answer 200 with `response: null` and no error when packet building failed.
 * `interpret` turns a usable `response` into a value, or undefined when it is not usable.
 */
export function classifyMosip<T>(
  exchange: HttpExchange,
  now: number,
  interpret: (response: unknown) => T | undefined,
  options: { alreadyDoneCode?: string; alreadyDone?: T } = {}
): Outcome<T> {
  const transport = classifyTransport(exchange, 'MOSIP', now)
  if (transport) return transport
  const status = exchange.status as number
  const errors = errorsOf(exchange.body)
  if (
    status === 401 ||
    status === 403 ||
    errors.some((e) => e.errorCode && AUTH_CODES.has(e.errorCode))
  ) {
    return retry(
      'MOSIP_AUTH_REJECTED',
      `MOSIP refused the token (HTTP ${status}${errors.length ? `, ${describe(errors)}` : ''})`
    )
  }
  if (status >= 400) {
    const reason = `MOSIP answered HTTP ${status}${errors.length ? `: ${describe(errors)}` : ''}`
    return status === 400 || status === 413 || status === 422
      ? permanent(`MOSIP_HTTP_${status}`, reason)
      : retry(`MOSIP_HTTP_${status}`, reason)
  }
  if (errors.length > 0) {
    if (options.alreadyDoneCode && errors.every((e) => e.errorCode === options.alreadyDoneCode)) {
      return ok(options.alreadyDone as T)
    }
    const code = errors[0]?.errorCode ?? 'MOSIP_ERROR'
    const reason = `MOSIP reported ${describe(errors)}`
    return errors.every((e) => e.errorCode && PERMANENT_CODES.has(e.errorCode))
      ? permanent(code, reason)
      : retry(code, reason)
  }
  const response = (exchange.body as { response?: unknown } | null)?.response
  const value = response === null || response === undefined ? undefined : interpret(response)
  if (value === undefined) {
    return retry(
      'MOSIP_EMPTY_RESPONSE',
      'MOSIP answered 200 without errors and without a usable response'
    )
  }
  return ok(value)
}
