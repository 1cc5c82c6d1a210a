import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { newRsaKeyPair } from '../shared/rsa-key-pair.js'
import type { JWK } from 'jose'

export type UserinfoResponseType = 'JWS' | 'JWE'

/** A relying party registered in eSignet (OIDC client). */
export interface EsignetClientInput {
  clientId: string
  /** Registered redirect URIs; a trailing `*` matches any suffix, as eSignet allows. */
  redirectUris: string[]
  /** `JWE` wraps the userinfo JWS in a JWE encrypted to the client's key. Default `JWS`. */
  userinfoResponseType?: UserinfoResponseType
  /**
   * The client's public key. When absent the simulator generates the key pair and keeps the
   * private JWK for the bridge (`OIDP_CLIENT_PRIVATE_KEY_PATH`).
   */
  publicJwk?: JWK
  /** User claims the client may receive; default every supported claim. */
  allowedClaims?: string[]
}

export interface RegisteredClient {
  clientId: string
  redirectUris: string[]
  userinfoResponseType: UserinfoResponseType
  publicKey: KeyObject
  /** Public JWK with its `kid` (RFC 7638 thumbprint). */
  publicJwk: JWK
  /** Only for keys the simulator generated. */
  privateJwk: JWK | undefined
  allowedClaims: string[] | undefined
}

/** RFC 7638 thumbprint of an RSA key, used as `kid`. */
export function rsaThumbprint(jwk: JWK): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
  return createHash('sha256').update(canonical).digest('base64url')
}

export function createClient(input: EsignetClientInput): RegisteredClient {
  let publicKey: KeyObject
  let privateJwk: JWK | undefined
  if (input.publicJwk) {
    if (input.publicJwk.kty !== 'RSA') throw new Error('eSignet clients use RSA keys')
    const { kty, n, e } = input.publicJwk
    publicKey = createPublicKey({ key: { kty, n, e }, format: 'jwk' })
  } else {
    const pair = newRsaKeyPair()
    publicKey = pair.publicKey
    // No `alg`/`use`: the same key signs client assertions (RS256) and decrypts userinfo JWEs.
    privateJwk = pair.privateKey.export({ format: 'jwk' }) as JWK
  }
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK
  const kid = input.publicJwk?.kid ?? rsaThumbprint(publicJwk)
  if (privateJwk) privateJwk = { ...privateJwk, kid }
  return {
    clientId: input.clientId,
    redirectUris: [...input.redirectUris],
    userinfoResponseType: input.userinfoResponseType ?? 'JWS',
    publicKey,
    publicJwk: { ...publicJwk, kid },
    privateJwk,
    allowedClaims: input.allowedClaims ? [...input.allowedClaims] : undefined
  }
}

/** Exact match, or prefix match for a registered URI ending in `*`. */
export function redirectUriAllowed(registered: readonly string[], uri: string): boolean {
  return registered.some((pattern) =>
    pattern.endsWith('*') ? uri.startsWith(pattern.slice(0, -1)) : pattern === uri
  )
}
