/**
 * Credentials shared by reference: when the CRVS partner's policy shares by data share, MOSIP's
 * credential service stores the credential in its datashare service and the CREDENTIAL_ISSUED
 * event carries `event.dataShareUri` instead of `event.data.credential`. A GET on that URI
 * (`…/v1/datashare/get/<policy>/<partner>/<key>`) returns the same keymanager-encrypted text an
 * inline credential has (the datashare encrypts it to the partner's key), or, as MOSIP reports
 * most errors, HTTP 200 with `errors[]`: DAT-SER-006 when the share is unknown or its allowed
 * number of reads is used up, KER-ATH-401/403 when the token is refused.
 */
import {
  classifyTransport,
  ok,
  permanent,
  retry,
  type HttpExchange,
  type Outcome
} from './outcome.js'

export type DataShareUriCheck =
  | { ok: true; url: URL }
  | { ok: false; code: 'DATASHARE_URI_INVALID' | 'DATASHARE_ORIGIN_NOT_ALLOWED'; origin?: string }

/**
 * Whether the bridge may fetch `uri`: an absolute http(s) URL without credentials in it, on one
 * of `allowedOrigins` (scheme, host and port compared exactly). The URI itself is a capability
 * (anyone holding it may read the credential) and is never logged; its origin may be.
 */
export function checkDataShareUri(
  uri: string,
  allowedOrigins: readonly string[]
): DataShareUriCheck {
  if (!URL.canParse(uri)) return { ok: false, code: 'DATASHARE_URI_INVALID' }
  const url = new URL(uri)
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    return { ok: false, code: 'DATASHARE_URI_INVALID' }
  }
  if (!allowedOrigins.includes(url.origin)) {
    return { ok: false, code: 'DATASHARE_ORIGIN_NOT_ALLOWED', origin: url.origin }
  }
  return { ok: true, url }
}

/** MOSIP's codes for a token it refuses (auth adapter). */
const AUTH_CODES = new Set(['KER-ATH-401', 'KER-ATH-403'])
/** Datashare failures on MOSIP's side that may pass: encryption, an API it calls, signing. */
const TRANSIENT_CODES = new Set(['DAT-SER-001', 'DAT-SER-002', 'DAT-SER-005'])

function errorCodesOf(body: unknown): string[] | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const errors = (body as { errors?: unknown }).errors
  if (!Array.isArray(errors) || errors.length === 0) return undefined
  return errors.map((entry) => {
    const code = (entry as { errorCode?: unknown } | null)?.errorCode
    return typeof code === 'string' ? code.trim() : 'UNKNOWN'
  })
}

/**
 * One GET on a data share, classified: the credential text; a retry for an outage (no answer,
 * 5xx, 429, MOSIP's transient codes) or a refused token (`MOSIP_AUTH_REJECTED`, so the caller
 * logs in again); permanent when no retry can bring the credential (gone, used up, too large,
 * redirected elsewhere, refused as a request).
 */
export function classifyDataShareFetch(
  exchange: HttpExchange & { tooLarge?: boolean; text?: string },
  now: number
): Outcome<string> {
  const transport = classifyTransport(exchange, 'MOSIP_DATASHARE', now)
  if (transport) return transport
  const status = exchange.status as number
  if (exchange.tooLarge) {
    return permanent(
      'DATASHARE_TOO_LARGE',
      'the data share is larger than MOSIP_DATASHARE_MAX_BYTES'
    )
  }
  const codes = errorCodesOf(exchange.body)
  if (status === 401 || status === 403 || codes?.some((code) => AUTH_CODES.has(code))) {
    return retry('MOSIP_AUTH_REJECTED', `the datashare refused the token (HTTP ${status})`)
  }
  if (status >= 300 && status < 400) {
    // Never followed: the target could be outside the allowed origins.
    return permanent('DATASHARE_REDIRECTED', `the datashare answered HTTP ${status} (a redirect)`)
  }
  if (status === 404 || status === 410) {
    return permanent('DATASHARE_NOT_FOUND', `the datashare answered HTTP ${status}`)
  }
  if (status >= 400)
    return permanent(`DATASHARE_HTTP_${status}`, `the datashare answered HTTP ${status}`)
  if (codes) {
    const described = codes.join(', ')
    if (codes.every((code) => TRANSIENT_CODES.has(code))) {
      return retry('MOSIP_DATASHARE_ERROR', `the datashare answered ${described}`)
    }
    return codes.includes('DAT-SER-006')
      ? permanent('DATASHARE_EXPIRED', `the data share is unknown or used up (${described})`)
      : permanent('DATASHARE_ERROR', `the datashare answered ${described}`)
  }
  const text = (exchange.text ?? (typeof exchange.body === 'string' ? exchange.body : '')).trim()
  if (text === '') return permanent('DATASHARE_EMPTY', 'the data share is empty')
  return ok(text)
}
