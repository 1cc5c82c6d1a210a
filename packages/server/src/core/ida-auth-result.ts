/**
 * What an IDA demographic authentication answer means for the person being checked.
 *
 * IDA answers HTTP 200 for successes and business failures alike. Only errors that are about the
 * person (unknown or deactivated id, demographic mismatch...) make the answer `failed`. Anything
 * that is about the bridge or MOSIP (signature, certificate, licence key, clock, an outage) is
 * never `failed`: a person must not be marked unverified because MOSIP was down or the bridge is
 * misconfigured. Those become `unavailable` (503, try again) or `refused` (502, fix the setup).
 */
import { classifyTransport, type HttpExchange } from './outcome.js'

const IDA_SYSTEM = 'IDA'

/** Why IDA did not authenticate the person. */
type IdaFailureReason =
  | 'unknown-id'
  | 'deactivated-id'
  | 'invalid-id'
  | 'demographic-mismatch'
  | 'demographic-unavailable'
  | 'auth-locked'

/** One IDA error about the person, as the bridge reports it to callers asking for JSON. */
export interface IdaReportedError {
  errorCode: string
  errorMessage: string
  actionMessage?: string
  reason: IdaFailureReason
  /** The demographic attribute concerned (`name`, `dob`, `gender`...), when IDA says. */
  attribute?: string
  /** Its language, for names and gender. */
  language?: string
}

export const IDA_RESULT_CODES = {
  /** A timeout, refused connection, 429 or 5xx: try again later. */
  unavailable: 'IDA_UNAVAILABLE',
  /** IDA-MLC-007: IDA could not process the request now. */
  unableToProcess: 'IDA_UNABLE_TO_PROCESS',
  /** IDA-MLC-001: the request time was outside IDA's window (the bridge's clock). */
  requestTimeRejected: 'IDA_REQUEST_TIME_REJECTED',
  /** IDA-MPA-*: signature, certificate, HMAC, licence key, partner or policy. */
  partnerRejected: 'IDA_PARTNER_REJECTED',
  /** Any other refusal of the request itself (a malformed request, an unknown error code). */
  requestRejected: 'IDA_REQUEST_REJECTED',
  /** HTTP 4xx from IDA or its gateway (wrong URL, gateway authentication). */
  httpRefused: 'IDA_HTTP_REFUSED',
  /** A 2xx answer that is not an IDA authentication response. */
  badResponse: 'IDA_BAD_RESPONSE'
} as const

export type IdaVerdict =
  | { kind: 'verified'; idaTransactionId: string | undefined }
  | { kind: 'failed'; idaTransactionId: string | undefined; errors: IdaReportedError[] }
  /** 503: nothing is known about the person. */
  | { kind: 'unavailable'; code: string; reason: string; retryAfterMs?: number }
  /** 502: IDA refused the bridge's request; `idaErrorCodes` for the logs. */
  | { kind: 'refused'; code: string; reason: string; idaErrorCodes: string[] }

/** IDA error codes that are about the person; everything else is about the request. */
const PERSON_ERRORS: Readonly<Record<string, IdaFailureReason>> = {
  'IDA-MLC-002': 'unknown-id', // Invalid UIN
  'IDA-MLC-004': 'unknown-id', // Invalid VID
  'IDA-MLC-003': 'deactivated-id', // UIN has been deactivated (IDA before 1.2)
  'IDA-MLC-010': 'deactivated-id', // VID corresponding to a deactivated UIN (IDA before 1.2)
  'IDA-MLC-022': 'deactivated-id', // UIN is deactivated/blocked (IDA 1.2)
  'IDA-MLC-023': 'deactivated-id', // VID is expired/deactivated (IDA 1.2)
  'IDA-MLC-019': 'auth-locked', // %s Auth Type is Locked for the UIN
  'IDA-DEA-001': 'demographic-mismatch', // Demographic data %s did not match
  'IDA-DEA-003': 'demographic-unavailable', // Demographic data %s not available in database
  'IDA-MLC-018': 'demographic-unavailable' // %s not available in database
}

/** `UIN not available in database` / `VID …`: IDA-MLC-018 about the id itself, not an attribute. */
const ID_NOT_AVAILABLE_MESSAGE = /^(UIN|VID) not available in database/i

/** `Invalid Input Parameter - individualId`: IDA's id validator (length, checksum) refused it. */
const INVALID_ID_CODE = 'IDA-MLC-009'
const INVALID_ID_MESSAGE = /individualId\b/i

const ATTRIBUTE_MESSAGE = /^Demographic data (\S+?)(?: in (\S+))? (?:did not match|not available)/i

interface RawIdaError {
  errorCode: string
  errorMessage: string
  actionMessage?: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined

function readErrors(value: unknown): RawIdaError[] | undefined {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) return undefined
  const errors: RawIdaError[] = []
  for (const entry of value) {
    if (!isRecord(entry)) return undefined
    const errorCode = text(entry.errorCode)
    if (!errorCode) return undefined
    const actionMessage = text(entry.actionMessage)
    errors.push({
      errorCode,
      errorMessage: text(entry.errorMessage) ?? '',
      ...(actionMessage ? { actionMessage } : {})
    })
  }
  return errors
}

/** The person-related reading of one IDA error, or undefined when it is about the request. */
function personError(error: RawIdaError): IdaReportedError | undefined {
  let reason: IdaFailureReason | undefined = PERSON_ERRORS[error.errorCode]
  if (error.errorCode === 'IDA-MLC-018' && ID_NOT_AVAILABLE_MESSAGE.test(error.errorMessage))
    reason = 'unknown-id'
  if (!reason && error.errorCode === INVALID_ID_CODE && INVALID_ID_MESSAGE.test(error.errorMessage))
    reason = 'invalid-id'
  if (!reason) return undefined
  const match = ATTRIBUTE_MESSAGE.exec(error.errorMessage)
  return {
    ...error,
    reason,
    ...(match?.[1] ? { attribute: match[1] } : {}),
    ...(match?.[2] ? { language: match[2] } : {})
  }
}

/** The verdict for errors that are not all about the person. */
function requestProblem(errors: RawIdaError[]): IdaVerdict {
  const codes = errors.map((error) => error.errorCode)
  if (codes.includes('IDA-MLC-007')) {
    return {
      kind: 'unavailable',
      code: IDA_RESULT_CODES.unableToProcess,
      reason: 'IDA could not process the request (IDA-MLC-007)'
    }
  }
  if (codes.includes('IDA-MLC-001')) {
    return {
      kind: 'refused',
      code: IDA_RESULT_CODES.requestTimeRejected,
      reason: "IDA refused the request time (IDA-MLC-001): check the bridge's clock",
      idaErrorCodes: codes
    }
  }
  if (codes.some((code) => code.startsWith('IDA-MPA-'))) {
    return {
      kind: 'refused',
      code: IDA_RESULT_CODES.partnerRejected,
      reason: `IDA refused the partner request (${codes.join(', ')}): check the partner keystore, IDA certificate, licence key, partner id and API key`,
      idaErrorCodes: codes
    }
  }
  return {
    kind: 'refused',
    code: IDA_RESULT_CODES.requestRejected,
    reason: `IDA refused the request (${codes.join(', ')})`,
    idaErrorCodes: codes
  }
}

/**
 * Classifies the answer to one authentication request. `now` is for Retry-After dates.
 * IDA's `authToken` is deliberately not returned: it is a partner-specific token for the person.
 */
export function classifyIdaResponse(exchange: HttpExchange, now: number): IdaVerdict {
  const transport = classifyTransport(exchange, IDA_SYSTEM, now)
  if (transport && transport.kind !== 'ok') {
    return {
      kind: 'unavailable',
      code: IDA_RESULT_CODES.unavailable,
      reason: transport.reason,
      ...(transport.kind === 'retry' && transport.afterMs !== undefined
        ? { retryAfterMs: transport.afterMs }
        : {})
    }
  }
  const status = exchange.status ?? 0
  if (status < 200 || status >= 300) {
    return {
      kind: 'refused',
      code: IDA_RESULT_CODES.httpRefused,
      reason: `IDA answered HTTP ${status}: check IDA_AUTH_URL and the partner path segments`,
      idaErrorCodes: []
    }
  }
  const body = exchange.body
  const response = isRecord(body) ? body.response : undefined
  const errors = isRecord(body) ? readErrors(body.errors) : undefined
  const authStatus = isRecord(response) ? response.authStatus : undefined
  if (!isRecord(body) || errors === undefined || (response !== null && !isRecord(response))) {
    return badResponse()
  }
  if (typeof authStatus !== 'boolean' && !(response === null && errors.length > 0)) {
    return badResponse()
  }
  const idaTransactionId = text(body.transactionID)
  if (authStatus === true) return { kind: 'verified', idaTransactionId }
  const reported = errors.map(personError)
  if (reported.some((error) => error === undefined)) return requestProblem(errors)
  // authStatus false without errors: IDA's answer about the person, without a reason.
  return { kind: 'failed', idaTransactionId, errors: reported as IdaReportedError[] }
}

function badResponse(): IdaVerdict {
  return {
    kind: 'refused',
    code: IDA_RESULT_CODES.badResponse,
    reason: 'IDA answered with something that is not an authentication response',
    idaErrorCodes: []
  }
}
