/**
 * The `private_key_jwt` client assertion of the token request: RS256, header `{alg, typ: JWT}`,
 * `iss = sub = client_id`, `aud` = the token endpoint URL being called, `iat`, a short `exp` and
 * a unique `jti` (eSignet ≥ 1.6 requires one and refuses a reused one; mosip-api 1.9 sent none
 * and a one-hour `exp`).
 */
import { randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'

/** Long enough for clock skew and a slow network, short enough to be useless if captured. */
const CLIENT_ASSERTION_LIFETIME_SECONDS = 60

interface ClientAssertionInput {
  clientId: string
  /** The token endpoint URL (`ESIGNET_TOKEN_URL`). */
  audience: string
  privateKey: KeyObject
  /** Milliseconds since the epoch. */
  now: number
  jti?: string
  lifetimeSeconds?: number
}

export async function signClientAssertion(input: ClientAssertionInput): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (input.lifetimeSeconds ?? CLIENT_ASSERTION_LIFETIME_SECONDS))
    .setJti(input.jti ?? randomUUID())
    .sign(input.privateKey)
}
