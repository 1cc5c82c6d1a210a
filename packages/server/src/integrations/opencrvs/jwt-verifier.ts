/**
 * Verification of the JWTs OpenCRVS sends with calls to the bridge (the action-bound token core
 * hands the country configuration, forwarded by it): RS256 only, signed by OpenCRVS's key,
 * issuer `opencrvs:auth-service`, one of the expected audiences, not expired. The reference
 * mosip-api checks only the signature; this checks what the country configuration checks.
 */
import type { JWTPayload } from 'jose'
import type { Logger } from '../../observability/logger.js'
import type { OpencrvsKey, OpencrvsPublicKey } from './public-key.js'
import { scopesFromClaim } from './scopes.js'
import { verifyRs256Jwt } from './rs256-jwt.js'

const OPENCRVS_ISSUER = 'opencrvs:auth-service'

/**
 * The audience OpenCRVS puts on the tokens it hands the country configuration: the action-bound
 * trigger token (v1.9 and v2.0) and system tokens both carry it.
 */
const COUNTRYCONFIG_AUDIENCE = 'opencrvs:countryconfig-user'
const DEFAULT_AUDIENCES: readonly string[] = [COUNTRYCONFIG_AUDIENCE]

export interface OpencrvsClaims {
  sub: string
  /** The `scope` claim as a list, formats untouched (see scopes.ts). */
  scope: string[]
  /** Present on action-bound tokens. */
  eventId?: string
  actionId?: string
  /** `user` or `system`, when the token says. */
  userType?: string
  /** Expiry, seconds since the epoch (the JWT `exp`). */
  exp: number
  /** The verified token itself, to store and use when calling OpenCRVS back. */
  token: string
  /** The whole verified payload. */
  payload: JWTPayload
}

export type VerifyResult =
  | { ok: true; claims: OpencrvsClaims }
  /** 401: the caller's token is not acceptable. 503: the bridge could not get OpenCRVS's key. */
  | { ok: false; status: 401 | 503; reason: string }

interface OpencrvsJwtVerifierOptions {
  publicKey: OpencrvsPublicKey
  issuer?: string
  /** Accepted when the token carries any of these. */
  audiences?: readonly string[]
  clockToleranceSec?: number
  /** Override of the current time (for tests). */
  clock?: () => number
  logger?: Pick<Logger, 'debug'>
}

const refuse = (reason: string): VerifyResult => ({ ok: false, status: 401, reason })

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined

export class OpencrvsJwtVerifier {
  private readonly publicKey: OpencrvsPublicKey
  private readonly issuer: string
  private readonly audiences: string[]
  private readonly clockToleranceSec: number
  private readonly clock: (() => number) | undefined
  private readonly logger: Pick<Logger, 'debug'> | undefined

  constructor(options: OpencrvsJwtVerifierOptions) {
    this.publicKey = options.publicKey
    this.issuer = options.issuer ?? OPENCRVS_ISSUER
    this.audiences = [...(options.audiences ?? DEFAULT_AUDIENCES)]
    if (this.audiences.length === 0) throw new Error('OpencrvsJwtVerifier needs an audience')
    this.clockToleranceSec = options.clockToleranceSec ?? 5
    this.clock = options.clock
    this.logger = options.logger
  }

  /**
   * Verifies the token of an Authorization header. On a signature failure the key is refreshed
   * (at most once a minute, see OpencrvsPublicKey) and the token verified once more.
   */
  async verify(authorizationHeader: string | undefined): Promise<VerifyResult> {
    const token = bearerToken(authorizationHeader)
    if (!token) return refuse('missing bearer token')
    const key = await this.publicKey.get()
    if (key.kind !== 'ok') {
      return { ok: false, status: 503, reason: 'OpenCRVS public key unavailable' }
    }
    const first = await this.attempt(token, key.value)
    if (first.ok || first.error !== 'invalid signature') return first.result
    const refreshed = await this.publicKey.refreshIfStale()
    const current = this.publicKey.peek()
    if (!current || (!refreshed && current.pem === key.value.pem)) return first.result
    this.logger?.debug('verifying an OpenCRVS token again with a refreshed key')
    return (await this.attempt(token, current)).result
  }

  private async attempt(
    token: string,
    key: OpencrvsKey
  ): Promise<
    { ok: true; result: VerifyResult } | { ok: false; error: string; result: VerifyResult }
  > {
    const verified = verifyRs256Jwt(token, key.key, {
      issuer: this.issuer,
      audiences: this.audiences,
      clockToleranceSec: this.clockToleranceSec,
      nowMs: this.clock ? this.clock() : Date.now()
    })
    if (!verified.ok) {
      return { ok: false, error: verified.reason, result: refuse(verified.reason) }
    }
    return { ok: true, result: this.accept(token, verified.payload as JWTPayload) }
  }

  private accept(token: string, payload: JWTPayload): VerifyResult {
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      return refuse('malformed token')
    }
    const claims: OpencrvsClaims = {
      sub: payload.sub,
      scope: scopesFromClaim(payload.scope),
      exp: payload.exp,
      token,
      payload
    }
    const eventId = optionalString(payload.eventId)
    const actionId = optionalString(payload.actionId)
    const userType = optionalString(payload.userType)
    if (eventId) claims.eventId = eventId
    if (actionId) claims.actionId = actionId
    if (userType) claims.userType = userType
    return { ok: true, claims }
  }
}
