import type { OpenIdConfiguration } from '@mosip-bridge/contracts'
import type { JWK } from 'jose'
import { SimServer } from '../shared/sim-server.js'
import { AuthorizeEndpoint, LOGIN_PATH } from './authorize-endpoint.js'
import { ClientAssertionVerifier } from './client-assertion.js'
import {
  createClient,
  newEncryptionKey,
  type EncryptionKeyMode,
  type EsignetClientInput,
  type RegisteredClient,
  type UserinfoResponseType
} from './client-registry.js'
import { openIdConfiguration, publishedJwks } from './discovery.js'
import type { EsignetUser } from './esignet-user.js'
import { GrantStore } from './grant-store.js'
import { createSigningKey } from './signing-keys.js'
import { TokenEndpoint } from './token-endpoint.js'
import { UserinfoEndpoint } from './userinfo-endpoint.js'

export { ESIGNET_ACR_VALUES } from './authorize-endpoint.js'

/** Service names (faults and request log) of the simulated eSignet's endpoints. */
export const ESIGNET_SERVICES = {
  authorize: 'esignet-authorize',
  token: 'esignet-token',
  userinfo: 'esignet-userinfo',
  jwks: 'esignet-jwks',
  discovery: 'esignet-discovery'
} as const

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
  /**
   * Who signs userinfo: `ida` (default), an IDA key pair whose public key the JWKS publishes
   * beside eSignet's own, as in MOSIP deployments; `esignet`: eSignet's own KYC key.
   */
  userinfoSigner?: UserinfoSigner
}

export type UserinfoSigner = 'ida' | 'esignet'

export interface EsignetEndpoints {
  authorize: string
  token: string
  legacyToken: string
  userinfo: string
  jwks: string
  discovery: string
}

/**
 * The simulated eSignet (MOSIP's OIDC provider): `/authorize` (auto-approving a configured user
 * or showing a login page), the token endpoint with `private_key_jwt` client authentication,
 * signed (optionally encrypted) userinfo, JWKS and discovery. Built by
 * {@link createEsignetSimulator}. The endpoints live in `authorize-endpoint.ts`,
 * `token-endpoint.ts`, `userinfo-endpoint.ts` and `discovery.ts`; this class holds the clients,
 * users and keys they share, the addresses and the faults.
 */
export class EsignetSimulator {
  readonly sim: SimServer
  private readonly options: EsignetSimulatorOptions
  private readonly basePath: string
  private readonly clients = new Map<string, RegisteredClient>()
  private readonly users = new Map<string, EsignetUser>()
  private readonly grants = new GrantStore()
  private readonly oidcKey = createSigningKey('esignet-oidc')
  private readonly kycKey = createSigningKey('esignet-kyc')
  private readonly idaKey = createSigningKey('ida-kyc')
  private userinfoSigner: UserinfoSigner
  private readonly authorizeEndpoint: AuthorizeEndpoint
  private readonly tokenEndpoint: TokenEndpoint
  private readonly userinfoEndpoint: UserinfoEndpoint
  private approvedUser: string | undefined
  private codeTtlSeconds: number

  constructor(options: EsignetSimulatorOptions) {
    this.options = options
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '')
    this.codeTtlSeconds = options.codeTtlSeconds ?? 60
    this.userinfoSigner = options.userinfoSigner ?? 'ida'
    this.authorizeEndpoint = new AuthorizeEndpoint({
      clients: this.clients,
      users: this.users,
      grants: this.grants,
      approvedUser: () => this.approvedUser,
      codeTtlSeconds: () => this.codeTtlSeconds
    })
    this.tokenEndpoint = new TokenEndpoint({
      grants: this.grants,
      assertions: new ClientAssertionVerifier({
        leewaySeconds: options.clientAssertionLeewaySeconds ?? 5,
        requireUniqueJti: options.requireUniqueJti ?? true
      }),
      oidcKey: this.oidcKey,
      issuer: () => this.issuer,
      assertionAudiences: (v2) => {
        const audiences = [v2 ? this.endpoints.token : this.endpoints.legacyToken]
        if (this.options.acceptIssuerAsAudience) audiences.push(this.issuer)
        return audiences
      },
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600
    })
    this.userinfoEndpoint = new UserinfoEndpoint({
      clients: this.clients,
      users: this.users,
      grants: this.grants,
      oidcKey: this.oidcKey,
      userinfoKey: () => this.userinfoKey,
      issuer: () => this.issuer,
      signingAlg: this.userinfoAlg
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

  /**
   * `separate`: the client registers a new encryption key of its own and JWE userinfo is
   * encrypted to it; `assertion`: back to the assertion key.
   */
  setClientEncryptionKey(clientId: string, mode: EncryptionKeyMode): void {
    const client = this.client(clientId)
    client.encryption = mode === 'separate' ? newEncryptionKey() : undefined
  }

  /**
   * Content of the bridge's `OIDP_CLIENT_ENCRYPTION_KEY_PATH` file (base64 of the private JWK
   * JSON), for a client with a separate encryption key.
   */
  clientEncryptionKeyBase64(clientId?: string): string {
    const client = this.client(clientId)
    if (!client.encryption)
      throw new Error(`client ${client.clientId} has no separate encryption key`)
    return Buffer.from(JSON.stringify(client.encryption.privateJwk), 'utf8').toString('base64')
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

  /** The public keys eSignet publishes (`/.well-known/jwks.json`): its own and IDA's. */
  jwks(): { keys: JWK[] } {
    return publishedJwks([this.oidcKey, this.kycKey, this.idaKey])
  }

  /** `kid`s of the keys that may sign userinfo. */
  get signingKids(): { esignet: string; ida: string } {
    return { esignet: this.kycKey.kid, ida: this.idaKey.kid }
  }

  /** Switches who signs userinfo (see {@link EsignetSimulatorOptions.userinfoSigner}). */
  setUserinfoSigner(signer: UserinfoSigner): void {
    this.userinfoSigner = signer
  }

  private get userinfoKey() {
    return this.userinfoSigner === 'ida' ? this.idaKey : this.kycKey
  }

  // Faults ----------------------------------------------------------------------------------

  /** Switches a client between plain JWS and JWE-wrapped userinfo. */
  setUserinfoResponseType(clientId: string, type: UserinfoResponseType): void {
    this.client(clientId).userinfoResponseType = type
  }

  /** The next `times` userinfo JWSs are signed with a key that is not in the JWKS (same `kid`). */
  signNextUserinfoWithWrongKey(times = 1): void {
    this.userinfoEndpoint.signNextWithWrongKey(times)
  }

  /** The next `times` userinfo JWSs are signed with a key the JWKS does not hold (its own `kid`). */
  signNextUserinfoWithUnknownKey(times = 1): void {
    this.userinfoEndpoint.signNextWithUnknownKey(times)
  }

  /** Every authorization code issued so far is expired. */
  expireCodes(): void {
    this.grants.expireCodes()
  }

  setCodeTtl(seconds: number): void {
    this.codeTtlSeconds = seconds
  }

  clearFaults(): void {
    this.userinfoEndpoint.clearFaults()
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
      this.authorizeEndpoint.authorize(req, reply)
    )
    app.post(LOGIN_PATH, { config: { service: ESIGNET_SERVICES.authorize } }, (req, reply) =>
      this.authorizeEndpoint.login(req, reply)
    )
    app.post(
      `${base}/oauth/v2/token`,
      { config: { service: ESIGNET_SERVICES.token } },
      (req, reply) => this.tokenEndpoint.token(req, reply, true)
    )
    app.post(`${base}/oauth/token`, { config: { service: ESIGNET_SERVICES.token } }, (req, reply) =>
      this.tokenEndpoint.token(req, reply, false)
    )
    app.get(
      `${base}/oidc/userinfo`,
      { config: { service: ESIGNET_SERVICES.userinfo } },
      (req, reply) => this.userinfoEndpoint.userinfo(req, reply)
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
    return openIdConfiguration({
      issuer: this.issuer,
      authorizationEndpoint: endpoints.authorize,
      tokenEndpoint: endpoints.token,
      userinfoEndpoint: endpoints.userinfo,
      jwksUri: endpoints.jwks,
      userinfoSigningAlg: this.userinfoAlg
    })
  }

  private get userinfoAlg(): 'PS256' | 'RS256' {
    return this.options.userinfoSigningAlg ?? 'PS256'
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
