/**
 * What E-Signet's answers mean for the caller of `/esignet/get-oidp-user-info`, in one place:
 * the caller's mistakes (an expired or reused code, a redirect URI or client id E-Signet does not
 * know, a state that does not match) are 4xx with a message that says what to do; E-Signet being
 * down is 503; E-Signet refusing the bridge itself (its client assertion, a userinfo that does not
 * verify) is 502. 5xx messages say what happened, never upstream details (those go to the logs).
 */
import { classifyTransport, type HttpExchange } from './outcome.js'

const ESIGNET_SYSTEM = 'ESIGNET'

export const ESIGNET_CODES = {
  notConfigured: 'ESIGNET_NOT_CONFIGURED',
  stateMismatch: 'ESIGNET_STATE_MISMATCH',
  codeRejected: 'ESIGNET_CODE_REJECTED',
  redirectUriRejected: 'ESIGNET_REDIRECT_URI_REJECTED',
  clientIdRejected: 'ESIGNET_CLIENT_ID_REJECTED',
  clientAuthRefused: 'ESIGNET_CLIENT_AUTH_REFUSED',
  tokenRefused: 'ESIGNET_TOKEN_REFUSED',
  unavailable: 'ESIGNET_UNAVAILABLE',
  badResponse: 'ESIGNET_BAD_RESPONSE',
  userinfoRefused: 'ESIGNET_USERINFO_REFUSED',
  userinfoUndecryptable: 'ESIGNET_USERINFO_UNDECRYPTABLE',
  userinfoSignatureInvalid: 'ESIGNET_USERINFO_SIGNATURE_INVALID',
  userinfoInvalid: 'ESIGNET_USERINFO_INVALID',
  keysUnavailable: 'ESIGNET_KEYS_UNAVAILABLE'
} as const

export type EsignetCode = (typeof ESIGNET_CODES)[keyof typeof ESIGNET_CODES]

export interface EsignetFailure {
  status: 400 | 502 | 503
  code: EsignetCode
  /** Safe to return to the caller. */
  message: string
  /** For the logs only: E-Signet's error code or the transport problem. */
  detail?: string
  retryAfterMs?: number
}

export type EsignetStep<T> = { ok: true; value: T } | { ok: false; failure: EsignetFailure }

export const esignetOk = <T>(value: T): EsignetStep<T> => ({ ok: true, value })

export function esignetFailure(
  status: EsignetFailure['status'],
  code: EsignetCode,
  message: string,
  detail?: string
): EsignetStep<never> {
  return {
    ok: false,
    failure: { status, code, message, ...(detail !== undefined ? { detail } : {}) }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** No answer, 429 or 5xx: E-Signet (or the part of it named) is unavailable. */
function unavailable(
  exchange: HttpExchange,
  now: number,
  code: EsignetCode,
  what: string
): EsignetStep<never> | undefined {
  const transport = classifyTransport(exchange, ESIGNET_SYSTEM, now)
  if (!transport || transport.kind === 'ok') return undefined
  return {
    ok: false,
    failure: {
      status: 503,
      code,
      message: `${what} is unavailable; try again later`,
      detail: transport.reason,
      ...(transport.kind === 'retry' && transport.afterMs !== undefined
        ? { retryAfterMs: transport.afterMs }
        : {})
    }
  }
}

const CODE_ERRORS = new Set([
  'invalid_transaction',
  'invalid_grant',
  'invalid_pkce_code_verifier',
  'pkce_check_failed'
])
const CLIENT_ID_ERRORS = new Set(['invalid_client_id', 'invalid_client'])
const CLIENT_AUTH_ERRORS = new Set([
  'invalid_assertion',
  'invalid_assertion_type',
  'unauthorized_client'
])

interface TokenGrant {
  accessToken: string
  idToken?: string
}

/** The token endpoint's answer (`{access_token,...}`, or 400 `{error, error_description}`). */
export function classifyTokenResponse(
  exchange: HttpExchange,
  now: number
): EsignetStep<TokenGrant> {
  const down = unavailable(exchange, now, ESIGNET_CODES.unavailable, 'E-Signet')
  if (down) return down
  const status = exchange.status ?? 0
  const body = exchange.body
  if (status >= 200 && status < 300) {
    const accessToken = isRecord(body) ? body.access_token : undefined
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      return esignetFailure(
        502,
        ESIGNET_CODES.badResponse,
        'E-Signet answered the token request without an access token',
        'no access_token'
      )
    }
    const idToken = isRecord(body) ? body.id_token : undefined
    return esignetOk({
      accessToken,
      ...(typeof idToken === 'string' && idToken.length > 0 ? { idToken } : {})
    })
  }
  const error = isRecord(body) && typeof body.error === 'string' ? body.error : undefined
  const detail = `HTTP ${status}${error ? ` ${error}` : ''}`
  if (error && CODE_ERRORS.has(error)) {
    return esignetFailure(
      400,
      ESIGNET_CODES.codeRejected,
      'E-Signet refused the authorization code: it is unknown, expired or already used. Log in with E-Signet again',
      detail
    )
  }
  if (error === 'invalid_redirect_uri') {
    return esignetFailure(
      400,
      ESIGNET_CODES.redirectUriRejected,
      'E-Signet refused the redirect URI: it must be the one the login started with',
      detail
    )
  }
  if (error && CLIENT_ID_ERRORS.has(error)) {
    return esignetFailure(
      400,
      ESIGNET_CODES.clientIdRejected,
      'E-Signet does not know this client id, or the code was issued to another client',
      detail
    )
  }
  if (error && CLIENT_AUTH_ERRORS.has(error)) {
    return esignetFailure(
      502,
      ESIGNET_CODES.clientAuthRefused,
      "E-Signet refused the bridge's client authentication",
      detail
    )
  }
  return esignetFailure(
    502,
    ESIGNET_CODES.tokenRefused,
    'E-Signet refused the token request',
    detail
  )
}

/** The userinfo endpoint's answer: the compact JWS or JWE it holds. */
export function classifyUserinfoResponse(exchange: HttpExchange, now: number): EsignetStep<string> {
  const down = unavailable(exchange, now, ESIGNET_CODES.unavailable, 'E-Signet')
  if (down) return down
  const status = exchange.status ?? 0
  if (status < 200 || status >= 300) {
    return esignetFailure(
      502,
      ESIGNET_CODES.userinfoRefused,
      'E-Signet refused the userinfo request',
      `HTTP ${status}`
    )
  }
  const body = typeof exchange.body === 'string' ? exchange.body.trim() : undefined
  const segments = body?.split('.').length
  if (body === undefined || (segments !== 3 && segments !== 5)) {
    return esignetFailure(
      502,
      ESIGNET_CODES.userinfoInvalid,
      'E-Signet answered userinfo with something that is not a signed JWT',
      isRecord(exchange.body) ? 'a JSON object' : 'not a compact JWS/JWE'
    )
  }
  return esignetOk(body)
}

/** A JSON document (discovery, JWKS) fetched from E-Signet. */
export function classifyDocumentResponse(
  exchange: HttpExchange,
  now: number
): EsignetStep<Record<string, unknown>> {
  const down = unavailable(exchange, now, ESIGNET_CODES.keysUnavailable, "E-Signet's signing keys")
  if (down) return down
  const status = exchange.status ?? 0
  if (status < 200 || status >= 300 || !isRecord(exchange.body)) {
    return esignetFailure(
      503,
      ESIGNET_CODES.keysUnavailable,
      "E-Signet's signing keys are unavailable; try again later",
      `HTTP ${status}${isRecord(exchange.body) ? '' : ', not JSON'}`
    )
  }
  return esignetOk(exchange.body)
}
