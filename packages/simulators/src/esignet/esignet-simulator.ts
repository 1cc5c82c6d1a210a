import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import {
  CLIENT_ASSERTION_TYPE_JWT_BEARER,
  ESIGNET_TOKEN_ERRORS,
  esignetClaimsParameterSchema,
  type EsignetTokenResponse,
  type OpenIdConfiguration
} from '@mosip-bridge/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { CompactEncrypt, CompactSign, SignJWT, jwtVerify, type JWK } from 'jose'
import { createCertifiedKey, type CertifiedKey } from '../shared/pki.js'
import { SimServer } from '../shared/sim-server.js'
import { ClientAssertionVerifier } from './client-assertion.js'
import {
  createClient,
  redirectUriAllowed,
  rsaThumbprint,
  type EsignetClientInput,
  type RegisteredClient,
  type UserinfoResponseType
} from './client-registry.js'
import { claimsOf, SCOPE_CLAIMS, SUPPORTED_CLAIMS, type EsignetUser } from './esignet-user.js'
import { loginPage } from './login-page.js'
import { OAuthFailure } from './oauth-failure.js'

/** Service names (faults and request log) of the simulated eSignet's endpoints. */
export const ESIGNET_SERVICES = {
  authorize: 'esignet-authorize',
  token: 'esignet-token',
  userinfo: 'esignet-userinfo',
  jwks: 'esignet-jwks',
  discovery: 'esignet-discovery'
} as const

export const ESIGNET_ACR_VALUES = [
  'mosip:idp:acr:generated-code',
  'mosip:idp:acr:static-code',
  'mosip:idp:acr:knowledge',
  'mosip:idp:acr:password',
  'mosip:idp:acr:linked-wallet',
  'mosip:idp:acr:biometrics'
]

export interface EsignetSimulatorOptions {
  /** Registered relying parties; keys are generated for those without `publicJwk`. */
  clients: EsignetClientInput[]
  users?: EsignetUser[]
  /** `individualId` of the user `/authorize` approves at once (no login page). */
  autoApprove?: string
  port?: number
  host?: string
  /** Base URL as relying parties reach this server (issuer); default the listening URL. */
  publicUrl?: string
  /** Prefix of the API routes, e.g. `/v1/esignet`; `/authorize` stays at the root. Default ''. */
  basePath?: string
  /** Authorization code lifetime; eSignet's default 60 s. */
  codeTtlSeconds?: number
  /** Access token lifetime; default 3600 s. */
  accessTokenTtlSeconds?: number
  /** Clock skew allowed on client assertions; default 5 s. */
  clientAssertionLeewaySeconds?: number
  /** Require a unique `jti` in client assertions (eSignet ≥ 1.6); default true. */
  requireUniqueJti?: boolean
  /** Also accept the issuer as client assertion `aud` (eSignet develop); default false. */
  acceptIssuerAsAudience?: boolean
  /** Algorithm of the userinfo JWS; default PS256 (eSignet's default). */
  userinfoSigningAlg?: 'PS256' | 'RS256'
}

export interface EsignetEndpoints {
  authorize: string
  token: string
  legacyToken: string
  userinfo: string
  jwks: string
  discovery: string
}

interface AuthorizationRequest {
  client: RegisteredClient
  redirectUri: string
  state: string | undefined
  nonce: string | undefined
  scopes: string[]
  claims: Set<string>
  acr: string
  codeChallenge: string | undefined
}

interface CodeGrant extends AuthorizationRequest {
  individualId: string
  authTime: number
  expiresAt: number
}

interface UserinfoSession {
  clientId: string
  individualId: string
  subject: string
  claims: Set<string>
  expiresAt: number
}

interface SigningKey {
  key: CertifiedKey
  kid: string
}

const PENDING_LOGIN_MS = 10 * 60_000

function single(source: unknown, name: string): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name]
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first.length > 0 ? first : undefined
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function signingKey(name: string): SigningKey {
  const key = createCertifiedKey(name)
  return { key, kid: rsaThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK) }
}

/**
 * The simulated eSignet (MOSIP's OIDC provider): `/authorize` (auto-approving a configured user
 * or showing a login page), the token endpoint with `private_key_jwt` client authentication,
 * signed (optionally encrypted) userinfo, JWKS and discovery. Built by
 * {@link createEsignetSimulator}.
 */
export class EsignetSimulator {
  readonly sim: SimServer
  private readonly options: EsignetSimulatorOptions
  private readonly basePath: string
  private readonly clients = new Map<string, RegisteredClient>()
  private readonly users = new Map<string, EsignetUser>()
  private readonly pending = new Map<string, AuthorizationRequest & { expiresAt: number }>()
  private readonly codes = new Map<string, CodeGrant>()
  private readonly sessions = new Map<string, UserinfoSession>()
  private readonly assertions: ClientAssertionVerifier
  private readonly oidcKey = signingKey('esignet-oidc')
  private readonly kycKey = signingKey('esignet-kyc')
  private readonly subjectSecret = randomBytes(32)
  private readonly updatedAt = Math.floor(Date.now() / 1000)
  private approvedUser: string | undefined
  private codeTtlSeconds: number
  private wrongKeySignatures = 0

  constructor(options: EsignetSimulatorOptions) {
    this.options = options
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '')
    this.codeTtlSeconds = options.codeTtlSeconds ?? 60
    this.assertions = new ClientAssertionVerifier({
      leewaySeconds: options.clientAssertionLeewaySeconds ?? 5,
      requireUniqueJti: options.requireUniqueJti ?? true
    })
    for (const client of options.clients) this.registerClient(client)
    for (const user of options.users ?? []) this.addUser(user)
    if (options.autoApprove !== undefined) this.approveAs(options.autoApprove)
    this.sim = new SimServer({ name: 'esignet' })
    this.registerRoutes()
  }

  // Addresses -------------------------------------------------------------------------------

  get url(): string {
    return this.sim.url
  }

  /** Public origin (without the base path). */
  private get origin(): string {
    return (this.options.publicUrl ?? this.sim.url).replace(/\/+$/, '')
  }

  get issuer(): string {
    return `${this.origin}${this.basePath}`
  }

  get endpoints(): EsignetEndpoints {
    return {
      authorize: `${this.origin}/authorize`,
      token: `${this.issuer}/oauth/v2/token`,
      legacyToken: `${this.issuer}/oauth/token`,
      userinfo: `${this.issuer}/oidc/userinfo`,
      jwks: `${this.issuer}/.well-known/jwks.json`,
      discovery: `${this.issuer}/.well-known/openid-configuration`
    }
  }

  /** A ready `/authorize` URL asking for the given userinfo claims (all essential). */
  authorizeUrl(params: {
    clientId: string
    redirectUri: string
    state?: string
    nonce?: string
    claims?: string[]
    scope?: string
  }): string {
    const url = new URL(this.endpoints.authorize)
    const claims = params.claims ?? ['name', 'gender', 'birthdate', 'individual_id']
    url.searchParams.set('client_id', params.clientId)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('scope', params.scope ?? 'openid profile')
    url.searchParams.set('redirect_uri', params.redirectUri)
    url.searchParams.set('acr_values', 'mosip:idp:acr:generated-code')
    url.searchParams.set(
      'claims',
      JSON.stringify({
        userinfo: Object.fromEntries(claims.map((claim) => [claim, { essential: true }])),
        id_token: {}
      })
    )
    if (params.state !== undefined) url.searchParams.set('state', params.state)
    if (params.nonce !== undefined) url.searchParams.set('nonce', params.nonce)
    return url.toString()
  }

  // Clients and users -----------------------------------------------------------------------

  registerClient(input: EsignetClientInput): RegisteredClient {
    const client = createClient(input)
    this.clients.set(client.clientId, client)
    return client
  }

  private client(clientId?: string): RegisteredClient {
    const client =
      clientId === undefined ? this.clients.values().next().value : this.clients.get(clientId)
    if (!client) throw new Error(`no eSignet client ${clientId ?? '(none registered)'}`)
    return client
  }

  /** The relying party's private JWK (only for keys the simulator generated). */
  clientPrivateJwk(clientId?: string): JWK {
    const client = this.client(clientId)
    if (!client.privateJwk) throw new Error(`client ${client.clientId} brought its own key`)
    return { ...client.privateJwk }
  }

  /** Content of the bridge's `OIDP_CLIENT_PRIVATE_KEY_PATH` file: base64 of the private JWK JSON. */
  clientPrivateKeyBase64(clientId?: string): string {
    return Buffer.from(JSON.stringify(this.clientPrivateJwk(clientId)), 'utf8').toString('base64')
  }

  addUser(user: EsignetUser): void {
    this.users.set(user.individualId, { ...user })
  }

  /** `/authorize` approves this user at once; `undefined` shows the login page instead. */
  approveAs(individualId: string | undefined): void {
    if (individualId !== undefined && !this.users.has(individualId))
      throw new Error(`no eSignet user ${individualId}`)
    this.approvedUser = individualId
  }

  /** The public keys eSignet publishes (`/.well-known/jwks.json`). */
  jwks(): { keys: JWK[] } {
    return {
      keys: [this.oidcKey, this.kycKey].map(({ key, kid }) => ({
        ...(key.publicKey.export({ format: 'jwk' }) as JWK),
        kid,
        use: 'sig',
        x5c: [key.certificateDer.toString('base64')],
        'x5t#S256': key.thumbprint.toString('base64url')
      }))
    }
  }

  // Faults ----------------------------------------------------------------------------------

  /** Switches a client between plain JWS and JWE-wrapped userinfo. */
  setUserinfoResponseType(clientId: string, type: UserinfoResponseType): void {
    this.client(clientId).userinfoResponseType = type
  }

  /** The next `times` userinfo JWSs are signed with a key that is not in the JWKS (same `kid`). */
  signNextUserinfoWithWrongKey(times = 1): void {
    this.wrongKeySignatures += times
  }

  /** Every authorization code issued so far is expired. */
  expireCodes(): void {
    for (const grant of this.codes.values()) grant.expiresAt = 0
  }

  setCodeTtl(seconds: number): void {
    this.codeTtlSeconds = seconds
  }

  clearFaults(): void {
    this.wrongKeySignatures = 0
  }

  // Lifecycle -------------------------------------------------------------------------------

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.sim.listen(port, host)
  }

  async close(): Promise<void> {
    await this.sim.close()
  }

  // Routes ----------------------------------------------------------------------------------

  private registerRoutes(): void {
    const app = this.sim.app
    const base = this.basePath
    app.get('/authorize', { config: { service: ESIGNET_SERVICES.authorize } }, (req, reply) =>
      this.authorize(req, reply)
    )
    app.post(
      '/authorize/login',
      { config: { service: ESIGNET_SERVICES.authorize } },
      (req, reply) => this.login(req, reply)
    )
    app.post(
      `${base}/oauth/v2/token`,
      { config: { service: ESIGNET_SERVICES.token } },
      (req, reply) => this.token(req, reply, true)
    )
    app.post(`${base}/oauth/token`, { config: { service: ESIGNET_SERVICES.token } }, (req, reply) =>
      this.token(req, reply, false)
    )
    app.get(
      `${base}/oidc/userinfo`,
      { config: { service: ESIGNET_SERVICES.userinfo } },
      (req, reply) => this.userinfo(req, reply)
    )
    app.get(
      `${base}/.well-known/jwks.json`,
      { config: { service: ESIGNET_SERVICES.jwks } },
      async () => this.jwks()
    )
    app.get(
      `${base}/.well-known/openid-configuration`,
      { config: { service: ESIGNET_SERVICES.discovery } },
      async () => this.discovery()
    )
  }

  private discovery(): OpenIdConfiguration {
    const endpoints = this.endpoints
    return {
      issuer: this.issuer,
      authorization_endpoint: endpoints.authorize,
      token_endpoint: endpoints.token,
      userinfo_endpoint: endpoints.userinfo,
      jwks_uri: endpoints.jwks,
      scopes_supported: ['openid', 'profile', 'email', 'phone', 'address'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['pairwise'],
      acr_values_supported: ESIGNET_ACR_VALUES,
      claims_supported: SUPPORTED_CLAIMS,
      claims_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      id_token_signing_alg_values_supported: ['RS256'],
      userinfo_signing_alg_values_supported: [this.userinfoAlg],
      userinfo_encryption_alg_values_supported: ['RSA-OAEP-256'],
      userinfo_encryption_enc_values_supported: ['A256GCM'],
      display_values_supported: ['page', 'popup', 'touch', 'wap'],
      ui_locales_supported: ['en']
    }
  }

  private get userinfoAlg(): 'PS256' | 'RS256' {
    return this.options.userinfoSigningAlg ?? 'PS256'
  }

  private sendOAuthError(reply: FastifyReply, failure: OAuthFailure): void {
    void reply
      .status(failure.status)
      .header('cache-control', 'no-store')
      .send({ error: failure.error, error_description: failure.description })
  }

  // /authorize ------------------------------------------------------------------------------

  private readAuthorizationRequest(query: unknown): AuthorizationRequest {
    const clientId = single(query, 'client_id')
    const client = clientId === undefined ? undefined : this.clients.get(clientId)
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

  private async authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let authorization: AuthorizationRequest
    try {
      authorization = this.readAuthorizationRequest(request.query)
    } catch (error) {
      if (error instanceof OAuthFailure) return this.sendOAuthError(reply, error)
      throw error
    }
    if (this.approvedUser !== undefined)
      return this.redirectWithCode(reply, authorization, this.approvedUser)
    const transactionId = randomUUID()
    this.pending.set(transactionId, { ...authorization, expiresAt: Date.now() + PENDING_LOGIN_MS })
    void reply.type('text/html; charset=utf-8').send(
      loginPage({
        action: '/authorize/login',
        transactionId,
        clientId: authorization.client.clientId
      })
    )
  }

  private async login(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const transactionId = single(request.body, 'transaction_id')
    const individualId = single(request.body, 'individual_id')?.trim()
    const authorization = transactionId === undefined ? undefined : this.pending.get(transactionId)
    if (!authorization || authorization.expiresAt < Date.now()) {
      void reply
        .status(400)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><p>This login has expired. Start again from the application.</p>')
      return
    }
    if (individualId === undefined || !this.users.has(individualId)) {
      void reply.type('text/html; charset=utf-8').send(
        loginPage({
          action: '/authorize/login',
          transactionId: transactionId as string,
          clientId: authorization.client.clientId,
          error: 'No identity found for this UIN/VID.'
        })
      )
      return
    }
    this.pending.delete(transactionId as string)
    this.redirectWithCode(reply, authorization, individualId)
  }

  private redirectWithCode(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    individualId: string
  ): void {
    this.purgeExpired()
    const code = randomBytes(32).toString('base64url')
    this.codes.set(code, {
      ...authorization,
      individualId,
      authTime: Math.floor(Date.now() / 1000),
      expiresAt: Date.now() + this.codeTtlSeconds * 1000
    })
    const target = new URL(authorization.redirectUri)
    target.searchParams.set('code', code)
    if (authorization.state !== undefined) target.searchParams.set('state', authorization.state)
    void reply.redirect(target.toString(), 302)
  }

  /** Drops expired logins, codes and sessions so a long-running simulator stays small. */
  private purgeExpired(): void {
    const now = Date.now()
    for (const [id, login] of this.pending) if (login.expiresAt < now) this.pending.delete(id)
    for (const [code, grant] of this.codes) if (grant.expiresAt < now) this.codes.delete(code)
    for (const [hash, session] of this.sessions)
      if (session.expiresAt < now) this.sessions.delete(hash)
  }

  // Token -----------------------------------------------------------------------------------

  private async token(request: FastifyRequest, reply: FastifyReply, v2: boolean): Promise<void> {
    try {
      const response = await this.exchangeCode(request, v2)
      void reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response)
    } catch (error) {
      if (error instanceof OAuthFailure) return this.sendOAuthError(reply, error)
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
    const grant = code === undefined ? undefined : this.codes.get(code)
    if (code === undefined || !grant || grant.expiresAt <= Date.now()) {
      if (code !== undefined && grant) this.codes.delete(code)
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
    const audiences = [v2 ? this.endpoints.token : this.endpoints.legacyToken]
    if (this.options.acceptIssuerAsAudience) audiences.push(this.issuer)
    await this.assertions.verify(assertion, grant.client, audiences)

    // The code is spent only once the client has authenticated, as in eSignet.
    this.codes.delete(code)
    return this.issueTokens(grant)
  }

  private subjectOf(individualId: string, clientId: string): string {
    return createHmac('sha256', this.subjectSecret)
      .update(`${individualId}:${clientId}`)
      .digest('base64url')
  }

  private async issueTokens(grant: CodeGrant): Promise<EsignetTokenResponse> {
    const ttl = this.options.accessTokenTtlSeconds ?? 3600
    const now = Math.floor(Date.now() / 1000)
    const clientId = grant.client.clientId
    const subject = this.subjectOf(grant.individualId, clientId)
    const header = { alg: 'RS256', kid: this.oidcKey.kid, typ: 'JWT' }
    const accessToken = await new SignJWT({ client_id: clientId, scope: grant.scopes.join(' ') })
      .setProtectedHeader(header)
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.oidcKey.key.privateKey)
    const digest = sha256(accessToken)
    const atHash = digest.subarray(0, digest.length / 2).toString('base64url')
    const idToken = await new SignJWT({
      auth_time: grant.authTime,
      acr: grant.acr,
      at_hash: atHash,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce })
    })
      .setProtectedHeader(header)
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(this.oidcKey.key.privateKey)
    this.sessions.set(digest.toString('base64url'), {
      clientId,
      individualId: grant.individualId,
      subject,
      claims: grant.claims,
      expiresAt: (now + ttl) * 1000
    })
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, id_token: idToken }
  }

  // Userinfo --------------------------------------------------------------------------------

  private unauthorized(reply: FastifyReply, description: string): void {
    void reply
      .status(401)
      .header(
        'www-authenticate',
        `Bearer error="invalid_token", error_description="${description}"`
      )
      .send({ error: 'invalid_token', error_description: description })
  }

  private async userinfo(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authorization = String(request.headers.authorization ?? '')
    const match = /^Bearer\s+(\S+)$/i.exec(authorization)
    if (!match?.[1]) return this.unauthorized(reply, 'missing bearer access token')
    const accessToken = match[1]
    try {
      await jwtVerify(accessToken, this.oidcKey.key.publicKey, {
        algorithms: ['RS256'],
        issuer: this.issuer
      })
    } catch {
      return this.unauthorized(reply, 'invalid or expired access token')
    }
    const session = this.sessions.get(sha256(accessToken).toString('base64url'))
    const user = session ? this.users.get(session.individualId) : undefined
    const client = session ? this.clients.get(session.clientId) : undefined
    if (!session || session.expiresAt <= Date.now() || !user || !client)
      return this.unauthorized(reply, 'unknown access token')

    const available = claimsOf(user, this.updatedAt)
    const claims: Record<string, unknown> = {
      sub: session.subject,
      iss: this.issuer,
      aud: client.clientId,
      iat: Math.floor(Date.now() / 1000)
    }
    for (const claim of session.claims)
      if (available[claim] !== undefined) claims[claim] = available[claim]

    let signer = this.kycKey.key.privateKey
    if (this.wrongKeySignatures > 0) {
      this.wrongKeySignatures--
      signer = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    }
    const jws = await new CompactSign(Buffer.from(JSON.stringify(claims), 'utf8'))
      .setProtectedHeader({ alg: this.userinfoAlg, kid: this.kycKey.kid, typ: 'JWT' })
      .sign(signer)
    const body =
      client.userinfoResponseType === 'JWE'
        ? await new CompactEncrypt(Buffer.from(jws, 'ascii'))
            .setProtectedHeader({
              alg: 'RSA-OAEP-256',
              enc: 'A256GCM',
              cty: 'JWT',
              ...(client.publicJwk.kid === undefined ? {} : { kid: client.publicJwk.kid })
            })
            .encrypt(client.publicKey)
        : jws
    void reply.header('content-type', 'application/jwt').send(body)
  }
}

/** Builds the simulated eSignet and starts it listening (`options.port`, default a free port). */
export async function createEsignetSimulator(
  options: EsignetSimulatorOptions
): Promise<EsignetSimulator> {
  const esignet = new EsignetSimulator(options)
  await esignet.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return esignet
}
