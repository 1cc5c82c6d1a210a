import { type KeyObject } from 'node:crypto'
import { newRsaKeyPair } from '../shared/rsa-key-pair.js'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import {
  OPENCRVS_JWT_ALGORITHM,
  OPENCRVS_JWT_ISSUER,
  OPENCRVS_SCOPE,
  OPENCRVS_V19_TOKEN_AUDIENCES,
  OPENCRVS_V20_ACTION_TOKEN_AUDIENCES,
  OPENCRVS_V20_USER_TOKEN_AUDIENCES,
  opencrvsTokenClaimsSchema,
  type OpencrvsTokenClaims,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import { parseScope } from './scopes.js'

type TokenCheck =
  { ok: true; claims: OpencrvsTokenClaims } | { ok: false; reason: 'invalid' | 'expired' }

interface TokenLifetimes {
  actionConfirmation: number
  user: number
  system: number
}

/** Claims a caller chooses; `iss`, `iat` and `exp` are filled in unless given. */
export interface TokenDraft {
  sub: string
  aud: readonly string[] | string
  scope?: string[]
  userType?: 'user' | 'system'
  eventId?: string
  actionId?: string
  [claim: string]: unknown
}

/**
 * The auth service's signing key and token rules: RS256 JWTs with `iss
 * opencrvs:auth-service`, audiences and scope formats of the configured version, and the
 * simulator's clock. Also the faults that act on tokens: expiry of everything issued so far,
 * invalidation (gateway `CHECK_INVALID_TOKEN`), and key rotation (a redeploy with new keys).
 */
export class OpencrvsTokenService {
  private privateKey!: KeyObject
  private publicKey!: KeyObject
  private pem!: string
  private readonly issued = new Set<string>()
  private readonly expired = new Set<string>()
  private readonly invalidated = new Set<string>()

  constructor(
    private readonly version: OpencrvsVersion,
    private readonly now: () => number,
    readonly lifetimes: TokenLifetimes
  ) {
    this.rotateKeys()
  }

  /** The PEM text `/.well-known` serves. */
  get publicKeyPem(): string {
    return this.pem
  }

  rotateKeys(): void {
    const { privateKey, publicKey } = newRsaKeyPair()
    this.privateKey = privateKey
    this.publicKey = publicKey
    this.pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }

  /** `aud` of user and system tokens. */
  get userAudiences(): readonly string[] {
    return this.version === 'v1.9'
      ? OPENCRVS_V19_TOKEN_AUDIENCES
      : OPENCRVS_V20_USER_TOKEN_AUDIENCES
  }

  /** `aud` of action-bound tokens. */
  get actionAudiences(): readonly string[] {
    return this.version === 'v1.9'
      ? OPENCRVS_V19_TOKEN_AUDIENCES
      : OPENCRVS_V20_ACTION_TOKEN_AUDIENCES
  }

  async sign(draft: TokenDraft, lifetimeSeconds: number): Promise<string> {
    const { sub, aud, iss, iat, exp, ...rest } = draft
    const issuedAt = typeof iat === 'number' ? iat : Math.floor(this.now() / 1000)
    const token = await new SignJWT(rest)
      .setProtectedHeader({ alg: OPENCRVS_JWT_ALGORITHM, typ: 'JWT' })
      .setSubject(sub)
      .setAudience(typeof aud === 'string' ? aud : [...aud])
      .setIssuer(typeof iss === 'string' ? iss : OPENCRVS_JWT_ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(typeof exp === 'number' ? exp : issuedAt + lifetimeSeconds)
      .sign(this.privateKey)
    this.issued.add(token)
    return token
  }

  /**
   * The action-bound token core mints by exchanging the requester's token: confirm and
   * reject scopes plus the subject's read/reject scopes (v1.9, v2.0), none in 2.1.
   */
  async signActionToken(
    subject: Pick<OpencrvsTokenClaims, 'sub' | 'scope' | 'userType'>,
    eventId: string,
    actionId: string
  ): Promise<string> {
    return this.sign(
      {
        scope: this.actionTokenScopes(subject.scope ?? []),
        userType: this.version === 'v1.9' ? 'user' : (subject.userType ?? 'user'),
        eventId,
        actionId,
        sub: subject.sub,
        aud: this.actionAudiences
      },
      this.lifetimes.actionConfirmation
    )
  }

  private actionTokenScopes(subjectScopes: readonly string[]): string[] {
    switch (this.version) {
      case 'v1.9':
        return [
          OPENCRVS_SCOPE.confirmRegistration,
          OPENCRVS_SCOPE.rejectRegistration,
          ...subjectScopes.filter(
            (scope) =>
              scope.startsWith(OPENCRVS_SCOPE.declaredReject) ||
              scope.startsWith(OPENCRVS_SCOPE.read)
          )
        ]
      case 'v2.0':
        return [
          `type=${OPENCRVS_SCOPE.confirmRegistration}`,
          `type=${OPENCRVS_SCOPE.rejectRegistration}`,
          ...subjectScopes.filter((scope) => {
            const type = parseScope(scope, 'v2.0')?.type
            return type === OPENCRVS_SCOPE.reject || type === OPENCRVS_SCOPE.read
          })
        ]
      case 'v2.1':
        return []
    }
  }

  /** RS256 signature, issuer, audience (any of), expiry on the simulator's clock. */
  async verify(token: string, audience: string | string[]): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [OPENCRVS_JWT_ALGORITHM],
        issuer: OPENCRVS_JWT_ISSUER,
        audience,
        currentDate: new Date(this.now())
      })
      if (this.expired.has(token)) return { ok: false, reason: 'expired' }
      const claims = opencrvsTokenClaimsSchema.safeParse(payload)
      return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'invalid' }
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' }
      return { ok: false, reason: 'invalid' }
    }
  }

  /** Fault: every token issued so far is from now on treated as expired. */
  expireAll(): void {
    for (const token of this.issued) this.expired.add(token)
  }

  expire(token: string): void {
    this.expired.add(token)
  }

  /** Marks a token invalidated (only the gateway's `CHECK_INVALID_TOKEN` looks at this). */
  invalidate(token: string): void {
    this.invalidated.add(token)
  }

  isInvalidated(token: string): boolean {
    return this.invalidated.has(token)
  }
}
