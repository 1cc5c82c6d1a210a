import { ESIGNET_TOKEN_ERRORS } from '@mosip-bridge/contracts'
import { errors as joseErrors, jwtVerify } from 'jose'
import type { RegisteredClient } from './client-registry.js'
import { OAuthFailure } from './oauth-failure.js'

interface ClientAssertionPolicy {
  /** Clock skew allowed on `exp`/`iat`/`nbf` (eSignet `client-assertion-jwt.leeway-seconds`). */
  leewaySeconds: number
  /** eSignet ≥ 1.6 requires `jti`; develop requires it to be unique. */
  requireUniqueJti: boolean
}

function reject(description: string): never {
  throw new OAuthFailure(ESIGNET_TOKEN_ERRORS.invalidAssertion, description)
}

/**
 * Verifies `private_key_jwt` client assertions: RS256 signed with the client's registered key,
 * `iss = sub = client_id`, `aud` one of the accepted token endpoint URLs, `exp`, `iat`, and a
 * `jti` never seen before (a replay is refused while the first assertion could still be valid).
 */
export class ClientAssertionVerifier {
  private readonly policy: ClientAssertionPolicy
  /** `clientId jti` → expiry (epoch seconds) of the assertion that used it. */
  private readonly seen = new Map<string, number>()

  constructor(policy: ClientAssertionPolicy) {
    this.policy = policy
  }

  async verify(assertion: string, client: RegisteredClient, audiences: string[]): Promise<void> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload']
    try {
      ;({ payload } = await jwtVerify(assertion, client.publicKey, {
        algorithms: ['RS256'],
        issuer: client.clientId,
        subject: client.clientId,
        audience: audiences,
        clockTolerance: this.policy.leewaySeconds,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat']
      }))
    } catch (error) {
      if (error instanceof joseErrors.JOSEError)
        reject(`client assertion refused: ${error.code}: ${error.message}`)
      reject('client assertion refused')
    }
    const now = Math.floor(Date.now() / 1000)
    if (typeof payload.iat !== 'number' || payload.iat > now + this.policy.leewaySeconds)
      reject('client assertion "iat" is in the future')
    if (!this.policy.requireUniqueJti) return
    const jti = payload.jti
    if (typeof jti !== 'string' || jti.length === 0) reject('client assertion has no "jti"')
    this.forgetExpired(now)
    const key = `${client.clientId} ${jti}`
    if (this.seen.has(key)) reject(`client assertion "jti" ${jti} was already used`)
    this.seen.set(key, (payload.exp ?? now) + this.policy.leewaySeconds)
  }

  private forgetExpired(now: number): void {
    for (const [key, expiry] of this.seen) if (expiry < now) this.seen.delete(key)
  }
}
