/**
 * MOSIP auth manager `POST /v1/authmanager/authenticate/clientidsecretkey` and the
 * kernel-auth-adapter check every other MOSIP service applies to the `Authorization` cookie.
 *
 * Faithful parts: the token is an RS256 JWT shaped like a Keycloak client-credentials access token
 * (`exp`, `azp`, `clientId`, `preferred_username: service-account-<client>`, realm roles); it is
 * answered in `Set-Cookie: Authorization=<jwt>; Max-Age=…; Path=/; HttpOnly[; Secure]` and in an
 * `Authorization` response header; services read only the cookie; an unauthenticated call gets
 * HTTP 401 with `KER-ATH-401` in the MOSIP envelope, a missing role HTTP 403 with `KER-ATH-403`.
 */
import { randomUUID, type KeyObject } from 'node:crypto'
import { newRsaKeyPair } from '../../shared/rsa-key-pair.js'
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import {
  MOSIP_AUTH_CLIENT_ID_SECRET_KEY_PATH,
  MOSIP_AUTH_COOKIE,
  MOSIP_AUTH_ERROR_CODES,
  type MosipAuthResponse
} from '@mosip-bridge/contracts'
import type { SimServer } from '../../shared/sim-server.js'
import { signJwt, verifyJwtSignature } from './crypto.js'
import { cookieValue, isPlainObject, mosipEnvelope, type MosipErrorEntry } from './wire.js'

export const AUTH_SERVICE = 'auth'

/** A Keycloak client (service account) allowed to log in. */
export interface MosipClient {
  clientId: string
  secretKey: string
  /** The appId the client is registered under; its realm must match the login's appId's realm. */
  appId: string
  /** Realm roles in the token. Default `DEFAULT_CLIENT_ROLES`. */
  roles?: string[]
}

/**
 * Roles a client gets when none are configured: enough for createPacket, workflowinstance, the
 * status APIs and a partner subscription to CREDENTIAL_ISSUED and the workflow-completed topic.
 */
export const DEFAULT_CLIENT_ROLES: readonly string[] = [
  'ONLINE_REGISTRATION_CLIENT',
  'REGISTRATION_PROCESSOR',
  'SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL',
  'SUBSCRIBE_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL'
]

/** `mosip.kernel.auth.appid-realm-map` as deployed: every known appId maps to realm `mosip`. */
export const DEFAULT_APP_ID_REALMS: Readonly<Record<string, string>> = {
  admin: 'mosip',
  ida: 'mosip',
  regproc: 'mosip',
  registrationclient: 'mosip',
  prereg: 'mosip',
  partner: 'mosip',
  resident: 'mosip',
  crvs1: 'mosip',
  crvs: 'mosip'
}

export interface AuthManagerOptions {
  clients: MosipClient[]
  /** Lifetime of issued tokens (JWT `exp`). Default 3600. */
  tokenTtlSeconds?: number
  /** `Max-Age` of the cookie, a separate setting in MOSIP. Default: the token lifetime. */
  cookieMaxAgeSeconds?: number
  /** appId → Keycloak realm. Default `DEFAULT_APP_ID_REALMS`. */
  appIdRealms?: Record<string, string>
  /** Adds `; Secure` to the cookie. Default true. */
  secureCookie?: boolean
  /** `response.status` of a successful login: `Success` (default, 1.2.0.x) or `SUCCESS`. */
  successStatus?: string
  /**
   * How a wrong client secret or unknown client is refused. `http500` (default): the current
   * auth manager lets Keycloak's 401 escape to its fallback handler, HTTP 500 with error code
   * `"500"` and Keycloak's message; `envelope200`: HTTP 200 with `KER-ATH-401` in `errors[]`.
   * Either way no cookie is set.
   */
  rejectCredentialsAs?: 'http500' | 'envelope200'
  /** Keycloak base URL for the `iss` claim. Default: the simulator's URL. */
  keycloakBaseUrl?: string
}

/** Who a verified token belongs to. */
export interface AuthIdentity {
  clientId: string
  /** `preferred_username`, `service-account-<clientId>` for client credentials. */
  userId: string
  roles: string[]
  /** JWT `exp`, epoch seconds. */
  expiresAt: number
}

const AUTH_FAILED: MosipErrorEntry = {
  errorCode: MOSIP_AUTH_ERROR_CODES.unauthenticated,
  message: 'Authentication Failed'
}
const FORBIDDEN: MosipErrorEntry = {
  errorCode: MOSIP_AUTH_ERROR_CODES.forbidden,
  message: 'Forbidden'
}

export class AuthManager {
  private readonly clients = new Map<string, MosipClient>()
  private readonly privateKey: KeyObject
  private readonly publicKey: KeyObject
  private readonly keyId = randomUUID()
  private tokenTtlSeconds: number
  private readonly cookieMaxAgeSeconds: number | undefined
  private readonly appIdRealms: Record<string, string>
  private readonly secureCookie: boolean
  private readonly successStatus: string
  private rejectCredentialsAs: 'http500' | 'envelope200'
  private readonly keycloakBaseUrl: string | undefined
  /** Generation of every token issued, by `jti`; `expireAllTokens` starts a new generation. */
  private readonly generations = new Map<string, { generation: number; exp: number }>()
  private generation = 0
  /** How many tokens were issued (tests assert re-authentication on this). */
  issuedTokens = 0

  constructor(
    private readonly sim: SimServer,
    options: AuthManagerOptions
  ) {
    for (const client of options.clients) this.clients.set(client.clientId, client)
    const { privateKey, publicKey } = newRsaKeyPair()
    this.privateKey = privateKey
    this.publicKey = publicKey
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600
    this.cookieMaxAgeSeconds = options.cookieMaxAgeSeconds
    this.appIdRealms = { ...(options.appIdRealms ?? DEFAULT_APP_ID_REALMS) }
    this.secureCookie = options.secureCookie ?? true
    this.successStatus = options.successStatus ?? 'Success'
    this.rejectCredentialsAs = options.rejectCredentialsAs ?? 'http500'
    this.keycloakBaseUrl = options.keycloakBaseUrl
    this.registerRoutes()
  }

  /** Adds or replaces a client. */
  addClient(client: MosipClient): void {
    this.clients.set(client.clientId, client)
  }

  /** Tokens issued before now stop verifying (a Keycloak key rotation or session purge). */
  expireAllTokens(): void {
    this.generation++
  }

  /** Lifetime of tokens issued from now on; 0 issues tokens that are already expired. */
  setTokenTtl(seconds: number): void {
    this.tokenTtlSeconds = seconds
  }

  setRejectCredentialsAs(mode: 'http500' | 'envelope200'): void {
    this.rejectCredentialsAs = mode
  }

  /** Issues a token for a configured client without HTTP (for other simulators and tests). */
  issueToken(clientId: string): string {
    const client = this.clients.get(clientId)
    if (!client) throw new Error(`unknown MOSIP client ${clientId}`)
    const realm = this.appIdRealms[client.appId] ?? 'mosip'
    return this.sign(client, realm)
  }

  /** Checks signature, expiry and `expireAllTokens`; the identity, or undefined. */
  verify(token: string): AuthIdentity | undefined {
    const claims = verifyJwtSignature(token, this.publicKey)
    if (!claims) return undefined
    const { exp, jti, clientId, preferred_username: userId, realm_access: realmAccess } = claims
    if (typeof exp !== 'number' || Date.now() >= exp * 1000) return undefined
    if (typeof jti !== 'string') return undefined
    if (this.generations.get(jti)?.generation !== this.generation) return undefined
    if (typeof clientId !== 'string' || typeof userId !== 'string') return undefined
    const roles =
      isPlainObject(realmAccess) && Array.isArray(realmAccess.roles)
        ? realmAccess.roles.filter((role): role is string => typeof role === 'string')
        : []
    return { clientId, userId, roles, expiresAt: exp }
  }

  /**
   * The identity behind a request's `Authorization` cookie. MOSIP services read only the cookie;
   * an `Authorization` request header (with or without `Bearer`) is ignored.
   */
  authenticate(request: FastifyRequest): AuthIdentity | undefined {
    const token = cookieValue(request.headers.cookie, MOSIP_AUTH_COOKIE)
    return token === undefined ? undefined : this.verify(token)
  }

  /**
   * A preHandler that answers like kernel-auth-adapter: HTTP 401 `KER-ATH-401` without a valid
   * cookie, HTTP 403 `KER-ATH-403` when the token has none of `roles` (if given).
   */
  requireAuth(roles?: readonly string[]): preHandlerAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const identity = this.authenticate(request)
      if (!identity) {
        return reply.status(401).send(mosipEnvelope({ errors: [AUTH_FAILED] }))
      }
      if (roles && roles.length > 0 && !roles.some((role) => identity.roles.includes(role))) {
        return reply.status(403).send(mosipEnvelope({ errors: [FORBIDDEN] }))
      }
    }
  }

  private sign(client: MosipClient, realm: string): string {
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + this.tokenTtlSeconds
    const jti = randomUUID()
    this.prune(iat)
    this.generations.set(jti, { generation: this.generation, exp })
    this.issuedTokens++
    const roles = client.roles ?? [...DEFAULT_CLIENT_ROLES]
    const base = this.keycloakBaseUrl ?? this.sim.url
    return signJwt(
      {
        exp,
        iat,
        jti,
        iss: `${base}/keycloak/auth/realms/${realm}`,
        aud: ['account', client.clientId],
        sub: randomUUID(),
        typ: 'Bearer',
        azp: client.clientId,
        acr: '1',
        realm_access: { roles: [...roles, 'default-roles-mosip', 'offline_access'] },
        resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
        scope: 'email profile',
        clientId: client.clientId,
        clientHost: '127.0.0.1',
        clientAddress: '127.0.0.1',
        email_verified: false,
        preferred_username: `service-account-${client.clientId}`
      },
      this.privateKey,
      this.keyId
    )
  }

  /** Forgets tokens that have expired or belong to an old generation. */
  private prune(nowSeconds: number): void {
    if (this.generations.size < 10_000) return
    for (const [jti, token] of this.generations) {
      if (token.exp <= nowSeconds || token.generation !== this.generation)
        this.generations.delete(jti)
    }
  }

  private registerRoutes(): void {
    this.sim.app.post(
      MOSIP_AUTH_CLIENT_ID_SECRET_KEY_PATH,
      { config: { service: AUTH_SERVICE } },
      async (request, reply) => {
        const body: Record<string, unknown> = isPlainObject(request.body) ? request.body : {}
        const echo = {
          id: typeof body.id === 'string' ? body.id : null,
          version: typeof body.version === 'string' ? body.version : null
        }
        const secret = isPlainObject(body.request) ? body.request : undefined
        // @Valid on ClientSecret: blank members are reported as KER-ATH-019, HTTP 200.
        const missing = ['clientId', 'secretKey', 'appId'].filter((key) => {
          const value = secret?.[key]
          return typeof value !== 'string' || value.trim().length === 0
        })
        if (missing.length > 0) {
          return reply.send(
            mosipEnvelope({
              ...echo,
              errors: missing.map((key) => ({
                errorCode: MOSIP_AUTH_ERROR_CODES.blankClientSecret,
                message: `request.${key} should not be null or empty`
              }))
            })
          )
        }
        const clientId = secret?.clientId as string
        const secretKey = secret?.secretKey as string
        const appId = secret?.appId as string
        const realm = this.appIdRealms[appId]
        if (realm === undefined) {
          return reply.send(
            mosipEnvelope({
              ...echo,
              errors: [
                {
                  errorCode: MOSIP_AUTH_ERROR_CODES.realmNotFound,
                  message: `Realm not found:: ${appId}`
                }
              ]
            })
          )
        }
        const client = this.clients.get(clientId)
        const clientRealm = client ? this.appIdRealms[client.appId] : undefined
        if (!client || clientRealm !== realm) {
          return this.refuse(
            reply,
            echo,
            'invalid_client',
            'Invalid client or Invalid client credentials'
          )
        }
        if (client.secretKey !== secretKey) {
          return this.refuse(reply, echo, 'unauthorized_client', 'Invalid client secret')
        }
        const token = this.sign(client, realm)
        const maxAge = this.cookieMaxAgeSeconds ?? this.tokenTtlSeconds
        const cookie = `${MOSIP_AUTH_COOKIE}=${token}; Max-Age=${maxAge}; Path=/; HttpOnly${this.secureCookie ? '; Secure' : ''}`
        const body200 = {
          ...echo,
          responsetime: new Date().toISOString(),
          metadata: null,
          response: {
            status: this.successStatus,
            message: 'Clientid and Token combination had been validated successfully'
          },
          errors: null
        } satisfies MosipAuthResponse
        return reply.header('Set-Cookie', cookie).header('Authorization', token).send(body200)
      }
    )
  }

  private refuse(
    reply: FastifyReply,
    echo: { id: string | null; version: string | null },
    error: string,
    description: string
  ): FastifyReply {
    if (this.rejectCredentialsAs === 'envelope200') {
      return reply.send(mosipEnvelope({ ...echo, errors: [AUTH_FAILED] }))
    }
    const keycloak = JSON.stringify({ error, error_description: description })
    return reply.status(500).send(
      mosipEnvelope({
        ...echo,
        errors: [{ errorCode: '500', message: `401 Unauthorized: "${keycloak}"` }]
      })
    )
  }
}
