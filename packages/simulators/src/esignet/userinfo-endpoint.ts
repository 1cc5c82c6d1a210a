/**
 * eSignet's userinfo endpoint (`/oidc/userinfo`): for a valid access token, the claims the user
 * consented to as a JWS signed with IDA's KYC key (as in MOSIP deployments, where IDA signs the
 * KYC data and eSignet publishes IDA's key in its JWKS) or eSignet's own, wrapped in a JWE
 * encrypted to the client's encryption key (its assertion key unless it registered a separate
 * one) when the client is registered for `JWE`.
 */
import { newRsaKeyPair } from '../shared/rsa-key-pair.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { KeyObject } from 'node:crypto'
import { CompactEncrypt, CompactSign, jwtVerify, type JWK } from 'jose'
import { rsaThumbprint, type RegisteredClient } from './client-registry.js'
import { claimsOf, type EsignetUser } from './esignet-user.js'
import type { GrantStore } from './grant-store.js'
import type { SigningKey } from './signing-keys.js'

interface UserinfoEndpointParts {
  clients: ReadonlyMap<string, RegisteredClient>
  users: ReadonlyMap<string, EsignetUser>
  grants: GrantStore
  /** Verifies access tokens. */
  oidcKey: SigningKey
  /** Signs userinfo: IDA's key or eSignet's own KYC key. */
  userinfoKey: () => SigningKey
  issuer: () => string
  signingAlg: 'PS256' | 'RS256'
}

export class UserinfoEndpoint {
  private readonly parts: UserinfoEndpointParts
  /** `updated_at` of every user. */
  private readonly updatedAt = Math.floor(Date.now() / 1000)
  private wrongKeySignatures = 0
  private unknownKidSignatures = 0

  constructor(parts: UserinfoEndpointParts) {
    this.parts = parts
  }

  /** The next `times` userinfo JWSs are signed with a key that is not in the JWKS (same `kid`). */
  signNextWithWrongKey(times: number): void {
    this.wrongKeySignatures += times
  }

  /** The next `times` userinfo JWSs are signed with a key whose `kid` the JWKS does not hold. */
  signNextWithUnknownKey(times: number): void {
    this.unknownKidSignatures += times
  }

  clearFaults(): void {
    this.wrongKeySignatures = 0
    this.unknownKidSignatures = 0
  }

  async userinfo(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { clients, users, grants, oidcKey } = this.parts
    const kycKey = this.parts.userinfoKey()
    const issuer = this.parts.issuer()
    const authorization = String(request.headers.authorization ?? '')
    const match = /^Bearer\s+(\S+)$/i.exec(authorization)
    if (!match?.[1]) return unauthorized(reply, 'missing bearer access token')
    const accessToken = match[1]
    try {
      await jwtVerify(accessToken, oidcKey.key.publicKey, {
        algorithms: ['RS256'],
        issuer
      })
    } catch {
      return unauthorized(reply, 'invalid or expired access token')
    }
    const session = grants.session(accessToken)
    const user = session ? users.get(session.individualId) : undefined
    const client = session ? clients.get(session.clientId) : undefined
    if (!session || session.expiresAt <= Date.now() || !user || !client)
      return unauthorized(reply, 'unknown access token')

    const available = claimsOf(user, this.updatedAt)
    const claims: Record<string, unknown> = {
      sub: session.subject,
      iss: issuer,
      aud: client.clientId,
      iat: Math.floor(Date.now() / 1000)
    }
    for (const claim of session.claims)
      if (available[claim] !== undefined) claims[claim] = available[claim]

    let signer = kycKey.key.privateKey
    let kid = kycKey.kid
    if (this.wrongKeySignatures > 0) {
      this.wrongKeySignatures--
      signer = newRsaKeyPair().privateKey
    } else if (this.unknownKidSignatures > 0) {
      this.unknownKidSignatures--
      const stranger = newRsaKeyPair()
      signer = stranger.privateKey
      kid = rsaThumbprint(stranger.publicKey.export({ format: 'jwk' }) as JWK)
    }
    const jws = await new CompactSign(Buffer.from(JSON.stringify(claims), 'utf8'))
      .setProtectedHeader({ alg: this.parts.signingAlg, kid, typ: 'JWT' })
      .sign(signer)
    const body =
      client.userinfoResponseType === 'JWE'
        ? await encryptTo(jws, client.encryption ?? client)
        : jws
    void reply.header('content-type', 'application/jwt').send(body)
  }
}

async function encryptTo(jws: string, key: { publicKey: KeyObject; publicJwk: JWK }) {
  return new CompactEncrypt(Buffer.from(jws, 'ascii'))
    .setProtectedHeader({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      cty: 'JWT',
      ...(key.publicJwk.kid === undefined ? {} : { kid: key.publicJwk.kid })
    })
    .encrypt(key.publicKey)
}

function unauthorized(reply: FastifyReply, description: string): void {
  void reply
    .status(401)
    .header('www-authenticate', `Bearer error="invalid_token", error_description="${description}"`)
    .send({ error: 'invalid_token', error_description: description })
}
