/**
 * Classification of OpenCRVS answers: the events API (tRPC over HTTP through the gateway) and
 * the auth service's `/token` endpoint. Pure: callers hand in the parsed HTTP exchange.
 *
 * A token OpenCRVS refuses (UNAUTHORIZED, FORBIDDEN, a gateway 401) is permanent on purpose:
 * retrying with the same token cannot succeed, and the registration must be flagged for an
 * operator instead of looping until the job gives up.
 */
import {
  classifyTransport,
  ok,
  permanent,
  retry,
  retryAfterMs,
  type HttpExchange,
  type Outcome
} from './outcome.js'

const OPENCRVS_SYSTEM = 'OPENCRVS'
export const OPENCRVS_AUTH_SYSTEM = 'OPENCRVS_AUTH'

export const OPENCRVS_CODES = {
  tokenRefused: 'OPENCRVS_TOKEN_REFUSED',
  forbidden: 'OPENCRVS_FORBIDDEN',
  notFound: 'OPENCRVS_NOT_FOUND',
  conflict: 'OPENCRVS_CONFLICT',
  badRequest: 'OPENCRVS_BAD_REQUEST',
  unexpectedAnswer: 'OPENCRVS_UNEXPECTED_ANSWER',
  tokenMissing: 'OPENCRVS_TOKEN_MISSING',
  tokenExpired: 'OPENCRVS_TOKEN_EXPIRED',
  tokenUnreadable: 'OPENCRVS_TOKEN_UNREADABLE',
  clientRefused: 'OPENCRVS_CLIENT_REFUSED',
  tokenExchangeRefused: 'OPENCRVS_TOKEN_EXCHANGE_REFUSED',
  authRequestRefused: 'OPENCRVS_AUTH_REQUEST_REFUSED'
} as const

/** A tRPC error as the events service sends it (`{error: {json: shape}}`), flattened. */
interface TrpcError {
  /** tRPC code name: FORBIDDEN, NOT_FOUND, … */
  code: string | undefined
  /** JSON-RPC number: -32003, … */
  jsonRpcCode: number | undefined
  httpStatus: number | undefined
  message: string | undefined
}

/** What the first (only) entry of a tRPC answer holds. */
type TrpcAnswer =
  { kind: 'result'; data: unknown } | { kind: 'error'; error: TrpcError } | { kind: 'none' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** JSON-RPC numbers of the codes OpenCRVS uses, for answers whose `data` was stripped. */
const CODE_BY_NUMBER: Record<number, string> = {
  [-32700]: 'PARSE_ERROR',
  [-32600]: 'BAD_REQUEST',
  [-32603]: 'INTERNAL_SERVER_ERROR',
  [-32001]: 'UNAUTHORIZED',
  [-32003]: 'FORBIDDEN',
  [-32004]: 'NOT_FOUND',
  [-32005]: 'METHOD_NOT_SUPPORTED',
  [-32008]: 'TIMEOUT',
  [-32009]: 'CONFLICT',
  [-32012]: 'PRECONDITION_FAILED',
  [-32013]: 'PAYLOAD_TOO_LARGE',
  [-32015]: 'UNSUPPORTED_MEDIA_TYPE',
  [-32022]: 'UNPROCESSABLE_CONTENT',
  [-32029]: 'TOO_MANY_REQUESTS'
}

function readTrpcError(value: unknown): TrpcError | undefined {
  if (!isRecord(value)) return undefined
  // superjson wraps the error shape in {json, meta?}; tolerate an unwrapped shape too.
  const shape = isRecord(value.json) ? value.json : value
  const data = isRecord(shape.data) ? shape.data : {}
  const jsonRpcCode = num(shape.code)
  const code =
    str(data.code) ?? (jsonRpcCode === undefined ? undefined : CODE_BY_NUMBER[jsonRpcCode])
  const message = str(shape.message)
  if (code === undefined && jsonRpcCode === undefined && message === undefined) return undefined
  return { code, jsonRpcCode, httpStatus: num(data.httpStatus), message }
}

/**
 * Reads a tRPC answer: batch (`[{result}|{error}]`) or single (`{result}|{error}`). The result's
 * `data` is returned still superjson-serialised (`{json, meta?}`).
 */
export function readTrpcAnswer(body: unknown): TrpcAnswer {
  const entry = Array.isArray(body) ? (body[0] as unknown) : body
  if (!isRecord(entry)) return { kind: 'none' }
  if (isRecord(entry.result) && 'data' in entry.result) {
    return { kind: 'result', data: entry.result.data }
  }
  const error = readTrpcError(entry.error)
  return error ? { kind: 'error', error } : { kind: 'none' }
}

/** A short, single-line version of a message from OpenCRVS, for reasons and logs. */
function brief(message: string | undefined): string {
  if (!message) return ''
  const line = message.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

function withMessage(prefix: string, message: string | undefined): string {
  const text = brief(message)
  return text ? `${prefix}: ${text}` : prefix
}

/** tRPC codes meaning the request itself is wrong: repeating it cannot help. */
const PERMANENT_TRPC_CODES = new Set([
  'BAD_REQUEST',
  'PARSE_ERROR',
  'METHOD_NOT_SUPPORTED',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_CONTENT',
  'NOT_IMPLEMENTED'
])

function classifyTrpcError(error: TrpcError, exchange: HttpExchange, now: number): Outcome<never> {
  const status = error.httpStatus ?? exchange.status
  const what = `OpenCRVS answered ${error.code ?? 'an error'}${status ? ` (HTTP ${status})` : ''}`
  const reason = withMessage(what, error.message)
  switch (error.code) {
    case 'UNAUTHORIZED':
      return permanent(OPENCRVS_CODES.tokenRefused, reason)
    case 'FORBIDDEN':
      return permanent(OPENCRVS_CODES.forbidden, reason)
    case 'NOT_FOUND':
      return permanent(OPENCRVS_CODES.notFound, reason)
    case 'CONFLICT':
      // "You are not assigned", a concurrent write: the record's state may change.
      return retry(OPENCRVS_CODES.conflict, reason)
    case 'BAD_REQUEST':
      return permanent(OPENCRVS_CODES.badRequest, reason)
    case 'TOO_MANY_REQUESTS':
      return retry(`${OPENCRVS_SYSTEM}_THROTTLED`, reason, retryAfterMs(exchange.retryAfter, now))
    case undefined:
      break
    default:
      if (PERMANENT_TRPC_CODES.has(error.code)) {
        return permanent(`${OPENCRVS_SYSTEM}_${error.code}`, reason)
      }
      // INTERNAL_SERVER_ERROR, TIMEOUT, BAD_GATEWAY, SERVICE_UNAVAILABLE, …
      if (status === undefined || status >= 500 || status === 408) {
        return retry(
          `${OPENCRVS_SYSTEM}_${error.code}`,
          reason,
          retryAfterMs(exchange.retryAfter, now)
        )
      }
  }
  return classifyStatus(status ?? 0, reason, exchange, now)
}

/** Non-tRPC answers (hapi Boom from the gateway, proxies) by HTTP status. */
function classifyStatus(
  status: number,
  reason: string,
  exchange: HttpExchange,
  now: number
): Outcome<never> {
  if (status === 401) return permanent(OPENCRVS_CODES.tokenRefused, reason)
  if (status === 403) return permanent(OPENCRVS_CODES.forbidden, reason)
  if (status === 404) return permanent(OPENCRVS_CODES.notFound, reason)
  if (status === 409) return retry(OPENCRVS_CODES.conflict, reason)
  if (status === 429) {
    return retry(`${OPENCRVS_SYSTEM}_THROTTLED`, reason, retryAfterMs(exchange.retryAfter, now))
  }
  if (status === 408 || status >= 500) {
    return retry(
      `${OPENCRVS_SYSTEM}_HTTP_${status}`,
      reason,
      retryAfterMs(exchange.retryAfter, now)
    )
  }
  if (status === 400) return permanent(OPENCRVS_CODES.badRequest, reason)
  return permanent(`${OPENCRVS_SYSTEM}_HTTP_${status}`, reason)
}

function boomMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return typeof body === 'string' ? body : undefined
  const error = str(body.error)
  const message = str(body.message)
  return [error, message].filter((part) => part && part.length > 0).join(': ') || undefined
}

/**
 * Classifies an answer of the OpenCRVS events API. `ok` carries the result's `data`, still
 * superjson-serialised (the caller deserialises it).
 *
 * - no answer, HTTP 5xx, 429: retry (tRPC INTERNAL_SERVER_ERROR included)
 * - UNAUTHORIZED, gateway 401: permanent OPENCRVS_TOKEN_REFUSED
 * - FORBIDDEN, 403: permanent OPENCRVS_FORBIDDEN
 * - NOT_FOUND, 404: permanent OPENCRVS_NOT_FOUND
 * - CONFLICT, 409: retry OPENCRVS_CONFLICT
 * - BAD_REQUEST and the other "malformed request" codes: permanent
 * - a 2xx without a tRPC result: retry OPENCRVS_UNEXPECTED_ANSWER (a proxy or a wrong URL)
 */
export function classifyOpencrvs(exchange: HttpExchange, now: number): Outcome<unknown> {
  if (exchange.status === undefined) {
    return classifyTransport(exchange, OPENCRVS_SYSTEM, now) as Outcome<never>
  }
  const answer = readTrpcAnswer(exchange.body)
  if (answer.kind === 'error') return classifyTrpcError(answer.error, exchange, now)
  const status = exchange.status
  if (status >= 200 && status < 300) {
    if (answer.kind === 'result') return ok(answer.data)
    return retry(
      OPENCRVS_CODES.unexpectedAnswer,
      `OpenCRVS answered HTTP ${status} without a tRPC result`
    )
  }
  const reason = withMessage(`OpenCRVS answered HTTP ${status}`, boomMessage(exchange.body))
  return classifyStatus(status, reason, exchange, now)
}

/**
 * Classifies an answer of the auth service's `/token` (client_credentials or token exchange).
 * `ok` carries the access token.
 *
 * - 200 with `access_token`: ok
 * - 401 `invalid_client`: permanent OPENCRVS_CLIENT_REFUSED (wrong id/secret: an operator's job)
 * - 401 `unauthorized_client` (subject token refused): permanent OPENCRVS_TOKEN_EXCHANGE_REFUSED;
 *   the caller may first retry once with a fresh subject token
 * - other 4xx (`invalid_request`, `unsupported_grant_type`): permanent OPENCRVS_AUTH_REQUEST_REFUSED
 * - no answer, 5xx, 429: retry
 */
export function classifyOpencrvsAuth(exchange: HttpExchange, now: number): Outcome<string> {
  const transport = classifyTransport(exchange, OPENCRVS_AUTH_SYSTEM, now)
  if (transport) return transport
  const status = exchange.status as number
  const body = isRecord(exchange.body) ? exchange.body : {}
  const error = str(body.error)
  const description = str(body.error_description)
  const reason = withMessage(
    `OpenCRVS auth answered HTTP ${status}${error ? ` ${error}` : ''}`,
    description ?? (error ? undefined : boomMessage(exchange.body))
  )
  if (status >= 200 && status < 300) {
    const token = str(body.access_token)
    return token
      ? ok(token)
      : retry(OPENCRVS_CODES.unexpectedAnswer, `${reason} without an access_token`)
  }
  if (status === 401 || status === 403) {
    return permanent(
      error === 'unauthorized_client'
        ? OPENCRVS_CODES.tokenExchangeRefused
        : OPENCRVS_CODES.clientRefused,
      reason
    )
  }
  if (status === 408) return retry(`${OPENCRVS_AUTH_SYSTEM}_HTTP_408`, reason)
  return permanent(OPENCRVS_CODES.authRequestRefused, reason)
}
