import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { OPENCRVS_AUDIENCE, OPENCRVS_JWT_ISSUER } from '@mosip-bridge/contracts'

/**
 * Checks the token core sends with a trigger the way the reference country configuration does
 * (hapi-auth-jwt2): RS256 with the PEM from the auth service's `/.well-known`, issuer
 * `opencrvs:auth-service`, audience `opencrvs:countryconfig-user`, not expired. The key is
 * fetched on first use and fetched again (at most every 10 s) when a signature does not verify,
 * so a key rotation in core does not lock the country configuration out.
 */

export type TokenCheck =
  { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string }

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

export function createTriggerTokenVerifier(publicKeyUrl: string, now: () => number = Date.now) {
  let key: KeyObject | undefined
  let fetchedAt = 0

  async function loadKey(): Promise<KeyObject> {
    const response = await fetch(publicKeyUrl, { signal: AbortSignal.timeout(5000) })
    if (!response.ok) throw new Error(`the public key URL answered ${response.status}`)
    key = createPublicKey(await response.text())
    fetchedAt = now()
    return key
  }

  function signatureValid(token: string, publicKey: KeyObject): boolean {
    const [header, payload, signature] = token.split('.')
    if (!header || !payload || !signature) return false
    return verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url')
    )
  }

  return async function check(token: string | undefined): Promise<TokenCheck> {
    if (!token) return { ok: false, reason: 'no bearer token' }
    const [headerPart, payloadPart] = token.split('.')
    const header = decodePart(headerPart)
    const claims = decodePart(payloadPart)
    if (!header || !claims) return { ok: false, reason: 'not a JWT' }
    if (header.alg !== 'RS256') return { ok: false, reason: 'not an RS256 token' }
    let valid = signatureValid(token, key ?? (await loadKey()))
    if (!valid && now() - fetchedAt > 10_000) valid = signatureValid(token, await loadKey())
    if (!valid) return { ok: false, reason: 'invalid signature' }
    if (claims.iss !== OPENCRVS_JWT_ISSUER) return { ok: false, reason: 'wrong issuer' }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!audiences.includes(OPENCRVS_AUDIENCE.countryConfig)) {
      return { ok: false, reason: 'not meant for the country configuration' }
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now()) {
      return { ok: false, reason: 'expired' }
    }
    return { ok: true, claims }
  }
}
