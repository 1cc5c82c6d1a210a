import {
  MOSIP_AUTH_ERROR_CODES,
  MOSIP_IDREPO_ERROR_CODES,
  MOSIP_PACKET_ERROR_CODES,
  MOSIP_STATUS_ERROR_CODES,
  MOSIP_WORKFLOW_ERROR_CODES,
  mosipStatusErrorSchema,
  type MosipStatusError
} from '@mosip-bridge/contracts'
import {
  classifyTransport,
  ok,
  permanent,
  retry,
  type HttpExchange,
  type Outcome
} from './outcome.js'

/**
 * An entry of `errors[]`, read leniently: packet manager and workflow put the text in `message`,
 * the status APIs in `errorMessage`, and an entry that fits neither still counts as an error.
 */
export type MosipErrorEntry = Partial<MosipStatusError>
const errorEntrySchema = mosipStatusErrorSchema.partial()

/**
 * MOSIP error codes that no retry can fix for this request: the request itself is malformed or
 * refused by validation. Everything else found in `errors[]` — unknown exceptions, encryption
 * or storage failures, codes we do not know — is treated as transient, because rejecting a
 * citizen's registration on a guess is worse than retrying a bounded number of times.
 */
const PERMANENT_CODES = new Set<string>([
  MOSIP_PACKET_ERROR_CODES.packetValidation,
  MOSIP_PACKET_ERROR_CODES.jsonParse,
  MOSIP_PACKET_ERROR_CODES.invalidInput,
  MOSIP_PACKET_ERROR_CODES.auditsEmpty,
  MOSIP_WORKFLOW_ERROR_CODES.missingInput,
  MOSIP_WORKFLOW_ERROR_CODES.invalidInput,
  MOSIP_STATUS_ERROR_CODES.dataValidationFailed,
  MOSIP_STATUS_ERROR_CODES.missingVersion,
  MOSIP_STATUS_ERROR_CODES.missingRequesttime,
  MOSIP_STATUS_ERROR_CODES.missingId,
  MOSIP_STATUS_ERROR_CODES.invalidVersion,
  MOSIP_STATUS_ERROR_CODES.invalidRequesttime,
  MOSIP_STATUS_ERROR_CODES.invalidId,
  MOSIP_IDREPO_ERROR_CODES.missingInput,
  MOSIP_IDREPO_ERROR_CODES.invalidInput,
  MOSIP_IDREPO_ERROR_CODES.invalidRequest,
  MOSIP_IDREPO_ERROR_CODES.noRecordFound
])

/** Codes that mean "your token is not accepted": re-login and retry. */
const AUTH_CODES = new Set<string>(Object.values(MOSIP_AUTH_ERROR_CODES))

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function errorsOf(body: unknown): MosipErrorEntry[] {
  const errors = isRecord(body) ? body.errors : undefined
  if (!Array.isArray(errors)) return []
  return errors.map((entry) => {
    const parsed = errorEntrySchema.safeParse(entry)
    return parsed.success ? parsed.data : {}
  })
}

function describe(errors: MosipErrorEntry[]): string {
  return errors
    .map((e) => `${e.errorCode ?? 'UNKNOWN'} ${e.message ?? e.errorMessage ?? ''}`.trim())
    .join('; ')
}

interface ClassifyOptions<T> {
  /** An error code meaning the request was already carried out: `alreadyDone` is the value. */
  alreadyDoneCode?: string
  alreadyDone?: T
  /**
   * Picks the entries of `errors[]` that concern one item of a batch request (the status APIs
   * report an unknown id this way) rather than the call. When every entry is such an item error,
   * the call has succeeded: `interpret` receives them with the response.
   */
  isItemError?: (entry: MosipErrorEntry) => boolean
}

/**
 * Classifies a MOSIP answer. MOSIP reports most failures inside HTTP 200 (`errors[]`), and the
 * packet manager may answer 200 with `response: null` and no error when packet building failed.
 * `interpret` turns a usable `response` into a value, or undefined when it is not usable; it is
 * also called with a null `response` when item errors came with it.
 */
export function classifyMosip<T>(
  exchange: HttpExchange,
  now: number,
  interpret: (response: unknown, itemErrors: MosipErrorEntry[]) => T | undefined,
  options: ClassifyOptions<T> = {}
): Outcome<T> {
  const transport = classifyTransport(exchange, 'MOSIP', now)
  if (transport) return transport
  const status = exchange.status as number
  const allErrors = errorsOf(exchange.body)
  const isItemError = options.isItemError
  const itemErrors = isItemError ? allErrors.filter((e) => isItemError(e)) : []
  const errors = isItemError ? allErrors.filter((e) => !isItemError(e)) : allErrors
  if (
    status === 401 ||
    status === 403 ||
    allErrors.some((e) => e.errorCode && AUTH_CODES.has(e.errorCode))
  ) {
    return retry(
      'MOSIP_AUTH_REJECTED',
      `MOSIP refused the token (HTTP ${status}${allErrors.length ? `, ${describe(allErrors)}` : ''})`
    )
  }
  if (status >= 400) {
    const reason = `MOSIP answered HTTP ${status}${allErrors.length ? `: ${describe(allErrors)}` : ''}`
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
  const response = isRecord(exchange.body) ? exchange.body.response : undefined
  const usable = (response !== null && response !== undefined) || itemErrors.length > 0
  const value = usable ? interpret(response ?? null, itemErrors) : undefined
  if (value === undefined) {
    return retry(
      'MOSIP_EMPTY_RESPONSE',
      'MOSIP answered 200 without errors and without a usable response'
    )
  }
  return ok(value)
}
