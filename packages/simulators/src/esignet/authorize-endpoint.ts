/**
 * eSignet's `/authorize`: checks the relying party's request (client, registered redirect URI,
 * `response_type=code`, `openid` scope, the `claims` parameter, ACR, PKCE method), then either
 * redirects at once with a code for the auto-approved user or shows the login page, whose form
 * (`POST /authorize/login`) redirects with a code once a known UIN/VID is entered.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { esignetClaimsParameterSchema } from '@mosip-bridge/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { redirectUriAllowed, type RegisteredClient } from './client-registry.js'
import { SCOPE_CLAIMS, SUPPORTED_CLAIMS, type EsignetUser } from './esignet-user.js'
import type { AuthorizationRequest, GrantStore } from './grant-store.js'
import { loginPage } from './login-page.js'
import { OAuthFailure, sendOAuthError } from './oauth-failure.js'
import { single } from './request-values.js'

export const ESIGNET_ACR_VALUES = [
  'mosip:idp:acr:generated-code',
  'mosip:idp:acr:static-code',
  'mosip:idp:acr:knowledge',
  'mosip:idp:acr:password',
  'mosip:idp:acr:linked-wallet',
  'mosip:idp:acr:biometrics'
]

/** How long a login page stays usable. */
const PENDING_LOGIN_MS = 10 * 60_000

/** The login form posts here. */
export const LOGIN_PATH = '/authorize/login'

interface AuthorizeEndpointParts {
  clients: ReadonlyMap<string, RegisteredClient>
  users: ReadonlyMap<string, EsignetUser>
  grants: GrantStore
  /** The user approved without a login page, if any. */
  approvedUser: () => string | undefined
  codeTtlSeconds: () => number
}

export class AuthorizeEndpoint {
  private readonly parts: AuthorizeEndpointParts

  constructor(parts: AuthorizeEndpointParts) {
    this.parts = parts
  }

  async authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let authorization: AuthorizationRequest
    try {
      authorization = this.readAuthorizationRequest(request.query)
    } catch (error) {
      if (error instanceof OAuthFailure) return sendOAuthError(reply, error)
      throw error
    }
    const approvedUser = this.parts.approvedUser()
    if (approvedUser !== undefined) return this.redirectWithCode(reply, authorization, approvedUser)
    const transactionId = randomUUID()
    this.parts.grants.pending.set(transactionId, {
      ...authorization,
      expiresAt: Date.now() + PENDING_LOGIN_MS
    })
    void reply.type('text/html; charset=utf-8').send(
      loginPage({
        action: LOGIN_PATH,
        transactionId,
        clientId: authorization.client.clientId
      })
    )
  }

  async login(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { grants, users } = this.parts
    const transactionId = single(request.body, 'transaction_id')
    const individualId = single(request.body, 'individual_id')?.trim()
    const authorization =
      transactionId === undefined ? undefined : grants.pending.get(transactionId)
    if (!authorization || authorization.expiresAt < Date.now()) {
      void reply
        .status(400)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><p>This login has expired. Start again from the application.</p>')
      return
    }
    if (individualId === undefined || !users.has(individualId)) {
      void reply.type('text/html; charset=utf-8').send(
        loginPage({
          action: LOGIN_PATH,
          transactionId: transactionId as string,
          clientId: authorization.client.clientId,
          error: 'No identity found for this UIN/VID.'
        })
      )
      return
    }
    grants.pending.delete(transactionId as string)
    this.redirectWithCode(reply, authorization, individualId)
  }

  private readAuthorizationRequest(query: unknown): AuthorizationRequest {
    const clientId = single(query, 'client_id')
    const client = clientId === undefined ? undefined : this.parts.clients.get(clientId)
    if (!client) throw new OAuthFailure('invalid_client_id', 'unknown or missing client_id')
    const redirectUri = single(query, 'redirect_uri')
    if (
      redirectUri === undefined ||
      !URL.canParse(redirectUri) ||
      !redirectUriAllowed(client.redirectUris, redirectUri)
    )
      throw new OAuthFailure(
        'invalid_redirect_uri',
        'redirect_uri is not registered for this client'
      )
    if (single(query, 'response_type') !== 'code')
      throw new OAuthFailure('invalid_response_type', 'response_type must be "code"')
    const scopes = (single(query, 'scope') ?? '').split(' ').filter((s) => s.length > 0)
    if (!scopes.includes('openid'))
      throw new OAuthFailure('invalid_scope', 'scope must include "openid"')
    const rawClaims = single(query, 'claims')
    if (rawClaims === undefined)
      throw new OAuthFailure('invalid_request', 'claims (URL-encoded JSON) is required')
    let parsedClaims: unknown
    try {
      parsedClaims = JSON.parse(rawClaims)
    } catch {
      throw new OAuthFailure('invalid_request', 'claims must be URL-encoded JSON')
    }
    const claimsParameter = esignetClaimsParameterSchema.safeParse(parsedClaims)
    if (!claimsParameter.success)
      throw new OAuthFailure('invalid_request', 'claims must be {"userinfo":{…},"id_token":{…}}')
    const acrValues = (single(query, 'acr_values') ?? 'mosip:idp:acr:generated-code')
      .split(' ')
      .filter((acr) => acr.length > 0)
    const acr = acrValues.find((value) => ESIGNET_ACR_VALUES.includes(value))
    if (acr === undefined) throw new OAuthFailure('invalid_acr', 'no supported acr_values')
    const codeChallenge = single(query, 'code_challenge')
    if (codeChallenge !== undefined && single(query, 'code_challenge_method') !== 'S256')
      throw new OAuthFailure(
        'unsupported_pkce_challenge_method',
        'code_challenge_method must be S256'
      )
    const claims = new Set<string>(Object.keys(claimsParameter.data.userinfo ?? {}))
    for (const scope of scopes) for (const claim of SCOPE_CLAIMS[scope] ?? []) claims.add(claim)
    for (const claim of claims)
      if (
        !SUPPORTED_CLAIMS.includes(claim) ||
        (client.allowedClaims !== undefined && !client.allowedClaims.includes(claim))
      )
        claims.delete(claim)
    return {
      client,
      redirectUri,
      state: single(query, 'state'),
      nonce: single(query, 'nonce'),
      scopes,
      claims,
      acr,
      codeChallenge
    }
  }

  private redirectWithCode(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    individualId: string
  ): void {
    this.parts.grants.purgeExpired()
    const code = randomBytes(32).toString('base64url')
    this.parts.grants.codes.set(code, {
      ...authorization,
      individualId,
      authTime: Math.floor(Date.now() / 1000),
      expiresAt: Date.now() + this.parts.codeTtlSeconds() * 1000
    })
    const target = new URL(authorization.redirectUri)
    target.searchParams.set('code', code)
    if (authorization.state !== undefined) target.searchParams.set('state', authorization.state)
    void reply.redirect(target.toString(), 302)
  }
}
