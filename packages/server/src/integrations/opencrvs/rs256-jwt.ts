import { verify, type KeyObject } from 'node:crypto'

/**
 * Verification of an RS256 JWT (compact JWS) with node:crypto's one-shot `verify`.
 *
 * The bridge checks an OpenCRVS token on every intake. jose checks it through WebCrypto, whose
 * per-call cost in Node (a promise-wrapped crypto job and key conversion) is several times that
 * of the signature check itself. OpenCRVS tokens use one algorithm and a handful of registered
 * claims, so the check is small enough to write here: the header must name RS256 and no
 * critical extension, the signature must verify with the given RSA key, and then `exp`
 * (required), `nbf`, `iss`, `aud` and `sub` (required) are checked, with a clock tolerance.
 * Failures are named as jose names them, so callers' reasons do not change.
 */

export type Rs256Failure =
  | 'malformed token'
  | 'algorithm not allowed'
  | 'invalid signature'
  | 'token expired'
  | 'token not valid yet'
  | 'unexpected issuer'
  | 'unexpected audience'
  | 'invalid claim exp'
  | 'invalid claim sub'

export type Rs256Result =
  { ok: true; payload: Record<string, unknown> } | { ok: false; reason: Rs256Failure }

export interface Rs256Expectations {
  issuer: string
  /** Accepted when the token's `aud` holds any of these. */
  audiences: readonly string[]
  clockToleranceSec: number
  /** Current time, epoch milliseconds. */
  nowMs: number
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

function decodeJson(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const fail = (reason: Rs256Failure): Rs256Result => ({ ok: false, reason })

export function verifyRs256Jwt(
  token: string,
  key: KeyObject,
  expected: Rs256Expectations
): Rs256Result {
  const parts = token.split('.')
  if (parts.length !== 3) return fail('malformed token')
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string]
  const header = decodeJson(encodedHeader)
  if (!header) return fail('malformed token')
  if (header.alg !== 'RS256') return fail('algorithm not allowed')
  if (header.crit !== undefined || header.b64 !== undefined) return fail('malformed token')
  if (!BASE64URL.test(encodedSignature) || encodedSignature.length === 0) {
    return fail('invalid signature')
  }
  const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii')
  let valid: boolean
  try {
    valid = verify('sha256', signed, key, Buffer.from(encodedSignature, 'base64url'))
  } catch {
    valid = false
  }
  if (!valid) return fail('invalid signature')
  const payload = decodeJson(encodedPayload)
  if (!payload) return fail('malformed token')

  const now = Math.floor(expected.nowMs / 1000)
  const tolerance = expected.clockToleranceSec
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
    return fail('invalid claim exp')
  }
  if (payload.sub === undefined) return fail('invalid claim sub')
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') return fail('token not valid yet')
    if (payload.nbf > now + tolerance) return fail('token not valid yet')
  }
  if (payload.exp <= now - tolerance) return fail('token expired')
  if (payload.iss !== expected.issuer) return fail('unexpected issuer')
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud
  if (
    !Array.isArray(audiences) ||
    !audiences.some((audience) => expected.audiences.includes(audience as string))
  ) {
    return fail('unexpected audience')
  }
  return { ok: true, payload }
}
