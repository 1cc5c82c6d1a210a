/**
 * eSignet's token endpoint (`/oauth/v2/token`, and the older `/oauth/token`): exchanges an
 * authorization code for an access token and an ID token, with `private_key_jwt` client
 * authentication and PKCE. Subjects are pairwise: one per (user, client).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import {
  CLIENT_ASSERTION_TYPE_JWT_BEARER,
  ESIGNET_TOKEN_ERRORS,
  type EsignetTokenResponse
} from '@mosip-bridge/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { SignJWT } from 'jose'
import type { ClientAssertionVerifier } from './client-assertion.js'
import type { CodeGrant, GrantStore } from './grant-store.js'
import { OAuthFailure, sendOAuthError } from './oauth-failure.js'
import { single } from './request-values.js'
import type { SigningKey } from './signing-keys.js'

interface TokenEndpointParts {
  grants: GrantStore
  assertions: ClientAssertionVerifier
  /** Signs access and ID tokens. */
  oidcKey: SigningKey
  issuer: () => string
  /** The `aud` values a client assertion may carry, at the v2 or the older endpoint. */
  assertionAudiences: (v2: boolean) => string[]
  accessTokenTtlSeconds: number
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

export class TokenEndpoint {
  private readonly parts: TokenEndpointParts
  private readonly subjectSecret = randomBytes(32)

  constructor(parts: TokenEndpointParts) {
    this.parts = parts
  }

  async token(request: FastifyRequest, reply: FastifyReply, v2: boolean): Promise<void> {
    try {
      const response = await this.exchangeCode(request, v2)
      void reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response)
    } catch (error) {
      if (error instanceof OAuthFailure) return sendOAuthError(reply, error)
      throw error
    }
  }

  private async exchangeCode(request: FastifyRequest, v2: boolean): Promise<EsignetTokenResponse> {
    const type = String(request.headers['content-type'] ?? '')
    if (!type.includes('application/x-www-form-urlencoded'))
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidRequest,
        'the token request must be application/x-www-form-urlencoded'
      )
    const form = request.body
    if (single(form, 'grant_type') !== 'authorization_code')
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidGrantType,
        'grant_type must be authorization_code'
      )
    const code = single(form, 'code')
    const grant = code === undefined ? undefined : this.parts.grants.codes.get(code)
    if (code === undefined || !grant || grant.expiresAt <= Date.now()) {
      if (code !== undefined && grant) this.parts.grants.codes.delete(code)
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidTransaction,
        'unknown, expired or already used authorization code'
      )
    }
    const clientId = single(form, 'client_id')
    if (clientId !== undefined && clientId !== grant.client.clientId)
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidClientId,
        'the code was issued to another client'
      )
    if (single(form, 'redirect_uri') !== grant.redirectUri)
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidRedirectUri,
        'redirect_uri differs from the one sent to /authorize'
      )
    if (grant.codeChallenge !== undefined) {
      const verifier = single(form, 'code_verifier')
      if (verifier === undefined)
        throw new OAuthFailure(
          ESIGNET_TOKEN_ERRORS.invalidPkceCodeVerifier,
          'code_verifier is required'
        )
      if (sha256(verifier).toString('base64url') !== grant.codeChallenge)
        throw new OAuthFailure(ESIGNET_TOKEN_ERRORS.pkceFailed, 'code_verifier does not match')
    }
    if (single(form, 'client_assertion_type') !== CLIENT_ASSERTION_TYPE_JWT_BEARER)
      throw new OAuthFailure(
        ESIGNET_TOKEN_ERRORS.invalidAssertionType,
        `client_assertion_type must be ${CLIENT_ASSERTION_TYPE_JWT_BEARER}`
      )
    const assertion = single(form, 'client_assertion')
    if (assertion === undefined)
      throw new OAuthFailure(ESIGNET_TOKEN_ERRORS.invalidAssertion, 'client_assertion is required')
    await this.parts.assertions.verify(assertion, grant.client, this.parts.assertionAudiences(v2))

    // The code is spent only once the client has authenticated, as in eSignet.
    this.parts.grants.codes.delete(code)
    return this.issueTokens(grant)
  }

  private subjectOf(individualId: string, clientId: string): string {
    return createHmac('sha256', this.subjectSecret)
      .update(`${individualId}:${clientId}`)
      .digest('base64url')
  }

  private async issueTokens(grant: CodeGrant): Promise<EsignetTokenResponse> {
    const ttl = this.parts.accessTokenTtlSeconds
    const now = Math.floor(Date.now() / 1000)
    const clientId = grant.client.clientId
    const subject = this.subjectOf(grant.individualId, clientId)
    const header = { alg: 'RS256', kid: this.parts.oidcKey.kid, typ: 'JWT' }
    const accessToken = await new SignJWT({ client_id: clientId, scope: grant.scopes.join(' ') })
      .setProtectedHeader(header)
      .setIssuer(this.parts.issuer())
      .setSubject(subject)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.parts.oidcKey.key.privateKey)
    const digest = sha256(accessToken)
    const atHash = digest.subarray(0, digest.length / 2).toString('base64url')
    const idToken = await new SignJWT({
      auth_time: grant.authTime,
      acr: grant.acr,
      at_hash: atHash,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce })
    })
      .setProtectedHeader(header)
      .setIssuer(this.parts.issuer())
      .setSubject(subject)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(this.parts.oidcKey.key.privateKey)
    this.parts.grants.addSession(accessToken, {
      clientId,
      individualId: grant.individualId,
      subject,
      claims: grant.claims,
      expiresAt: (now + ttl) * 1000
    })
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, id_token: idToken }
  }
}
