import { randomUUID } from 'node:crypto'
import {
  OPENCRVS_TOKEN_LIFETIME_SECONDS,
  type OpencrvsActionDocument,
  type OpencrvsActionStatus,
  type OpencrvsActionType,
  type OpencrvsDeclaration,
  type OpencrvsEventDocument,
  type OpencrvsTokenClaims,
  type OpencrvsTrpcErrorCode,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import { SimServer, type FaultSettings, type RecordedRequest } from '../shared/sim-server.js'
import {
  ActionConfirmation,
  createdBy,
  type ActionRequestOptions,
  type OpencrvsTriggerCall,
  type OpencrvsTriggerResult
} from './action-confirmation.js'
import { createTokenHandler, type OpencrvsSystemClient } from './auth-service.js'
import { registerOpencrvsControlApi } from './control-api.js'
import {
  actionNotAllowedReason,
  actionStatusFlags,
  aggregateActionDeclarations,
  assignedUser,
  effectiveStatus,
  isLocked,
  pendingActions
} from './event-state.js'
import { OpencrvsEventStore } from './event-store.js'
import { createEventsRouter } from './events-router.js'
import { authenticateAtGateway } from './gateway-auth.js'
import { toVersionScope } from './scopes.js'
import { OpencrvsTokenService, type TokenDraft } from './token-service.js'
import { TrpcError } from './trpc-error.js'
import { handleTrpcRequest, MalformedJsonBody } from './trpc-http.js'

export const OPENCRVS_AUTH_SERVICE = 'opencrvs-auth'
export const OPENCRVS_GATEWAY_SERVICE = 'opencrvs-gateway'

/** A user of core (the registrar who clicks Register). */
export interface OpencrvsUser {
  /** user-mgnt id, the token's `sub`. */
  id: string
  role: string
  /** In the version's format. */
  scopes: string[]
  primaryOfficeId: string
}

export interface OpencrvsSimulatorOptions {
  /** Default `v2.0`. */
  version?: OpencrvsVersion
  port?: number
  host?: string
  /** Base URL core posts triggers to (`COUNTRY_CONFIG_URL`); settable later. */
  countryConfigUrl?: string
  /** Default: one client, `mosip-bridge` / `mosip-bridge-secret`, with the version's scopes. */
  systemClients?: Array<Omit<OpencrvsSystemClient, 'id'> & { id?: string }>
  registrar?: Partial<OpencrvsUser>
  /** `CONFIG_ACTION_CONFIRMATION_TOKEN_EXPIRY_SECONDS`, default 604800 (7 days). */
  actionTokenExpirySeconds?: number
  /** `CONFIG_SYSTEM_TOKEN_EXPIRY_SECONDS`, default 600. */
  systemTokenExpirySeconds?: number
  /** `CONFIG_TOKEN_EXPIRY_SECONDS`, default 604800. */
  userTokenExpirySeconds?: number
  /**
   * NODE_ENV=production in core (default true, as deployed): INTERNAL_SERVER_ERROR reads
   * "Internal server error" and errors carry no stack.
   */
  production?: boolean
  /** Gateway `CHECK_INVALID_TOKEN` (default false). */
  checkInvalidToken?: boolean
  /** Optional timeout of trigger calls; core has none (default: none). */
  triggerTimeoutMs?: number
  /** Clock in ms (default Date.now); `advanceClock` adds to it. */
  now?: () => number
}

export interface ProcedureFailure {
  /** Exact procedure path or a pattern; default: every `….accept`. */
  procedure?: string | RegExp
  code: OpencrvsTrpcErrorCode
  message?: string
  /** How many calls fail (default 1). */
  times?: number
}

export interface OpencrvsActionState {
  id: string
  type: OpencrvsActionType
  status: OpencrvsActionStatus
  originalActionId?: string
  /** For a Requested action: its confirmation's status, or Requested while pending. */
  effectiveStatus: OpencrvsActionStatus
}

export interface WaitOptions {
  /** Default 5000 ms. */
  timeoutMs?: number
}

const DEFAULT_REGISTRAR_ID = '68f0c2e1a4b5c6d7e8f90123'
const DEFAULT_SYSTEM_ID = '68f0c2e1a4b5c6d7e8f90999'

function defaultRegistrarScopes(version: OpencrvsVersion): string[] {
  if (version === 'v1.9') {
    return [
      'record.register[event=birth|death]',
      'record.read[event=birth|death]',
      'record.declared.reject[event=birth|death]',
      'record.registered.correct[event=birth|death]'
    ]
  }
  return [
    'type=record.register&event=birth,death',
    'type=record.read&event=birth,death',
    'type=record.reject&event=birth,death',
    'type=record.correct&event=birth,death'
  ]
}

function defaultSystemScopes(version: OpencrvsVersion): string[] {
  switch (version) {
    case 'v1.9':
      return [
        'record.read[event=birth|death]',
        'record.register[event=birth|death]',
        'record.registered.correct[event=birth|death]'
      ]
    case 'v2.0':
      return [
        'type=record.read&event=birth,death',
        'type=record.register&event=birth,death',
        'type=record.correct&event=birth,death'
      ]
    case 'v2.1':
      return [
        'type=record.read&event=birth,death',
        'type=record.register&event=birth,death',
        'type=record.correct&event=birth,death',
        'type=record.action.accept&event=birth,death',
        'type=record.action.reject&event=birth,death'
      ]
  }
}

/**
 * A simulated OpenCRVS core: the auth service (`/.well-known`, `/token`), the gateway with the
 * events API over tRPC (`/events/<procedure>`), and the action-confirmation trigger towards a
 * country configuration. Build one with {@link createOpencrvsSimulator}.
 */
export class OpencrvsSimulator {
  readonly version: OpencrvsVersion
  readonly server: SimServer
  readonly registrar: OpencrvsUser
  readonly systemClients: OpencrvsSystemClient[]
  private readonly tokens: OpencrvsTokenService
  private readonly store: OpencrvsEventStore
  private readonly confirmation: ActionConfirmation
  private readonly triggerLog: OpencrvsTriggerCall[] = []
  private readonly failures: Array<ProcedureFailure & { times: number }> = []
  private readonly closing = new AbortController()
  private readonly baseNow: () => number
  private clockOffsetMs = 0
  private countryConfig: string | undefined
  private checkInvalidToken: boolean

  constructor(options: OpencrvsSimulatorOptions = {}) {
    const version = options.version ?? 'v2.0'
    this.version = version
    this.baseNow = options.now ?? Date.now
    const now = () => this.baseNow() + this.clockOffsetMs
    this.countryConfig = options.countryConfigUrl
    this.checkInvalidToken = options.checkInvalidToken ?? false
    this.registrar = {
      id: options.registrar?.id ?? DEFAULT_REGISTRAR_ID,
      role: options.registrar?.role ?? 'LOCAL_REGISTRAR',
      primaryOfficeId: options.registrar?.primaryOfficeId ?? randomUUID(),
      scopes: (options.registrar?.scopes ?? defaultRegistrarScopes(version)).map((s) =>
        toVersionScope(s, version)
      )
    }
    this.systemClients = (
      options.systemClients ?? [
        { clientId: 'mosip-bridge', clientSecret: 'mosip-bridge-secret', scopes: [] }
      ]
    ).map((client, index) => ({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      id: client.id ?? (index === 0 ? DEFAULT_SYSTEM_ID : randomUUID()),
      scopes: (options.systemClients ? client.scopes : defaultSystemScopes(version)).map((s) =>
        toVersionScope(s, version)
      )
    }))
    this.tokens = new OpencrvsTokenService(version, now, {
      actionConfirmation:
        options.actionTokenExpirySeconds ?? OPENCRVS_TOKEN_LIFETIME_SECONDS.actionConfirmation,
      user: options.userTokenExpirySeconds ?? OPENCRVS_TOKEN_LIFETIME_SECONDS.user,
      system: options.systemTokenExpirySeconds ?? OPENCRVS_TOKEN_LIFETIME_SECONDS.system
    })
    this.store = new OpencrvsEventStore(now)
    this.confirmation = new ActionConfirmation({
      version,
      store: this.store,
      tokens: this.tokens,
      countryConfigUrl: () => this.countryConfig,
      signal: this.closing.signal,
      timeoutMs: options.triggerTimeoutMs,
      record: (call) => this.triggerLog.push(call)
    })
    this.server = new SimServer({ name: 'opencrvs' })
    this.registerRoutes(options.production ?? true)
  }

  private registerRoutes(production: boolean): void {
    const app = this.server.app
    const tokenHandler = createTokenHandler({
      version: this.version,
      tokens: this.tokens,
      clients: () => this.systemClients
    })
    // Auth service: the raw PEM bytes (hapi answers a Buffer as application/octet-stream).
    app.get('/.well-known', { config: { service: OPENCRVS_AUTH_SERVICE } }, async (_r, reply) =>
      reply
        .header('content-type', 'application/octet-stream')
        .send(Buffer.from(this.tokens.publicKeyPem))
    )
    app.post('/token', { config: { service: OPENCRVS_AUTH_SERVICE } }, tokenHandler)
    // Gateway proxy of the auth service's token endpoint (POST only; `/auth/.well-known` is not).
    app.post('/auth/token', { config: { service: OPENCRVS_GATEWAY_SERVICE } }, tokenHandler)

    const router = createEventsRouter({
      version: this.version,
      store: this.store,
      confirmation: this.confirmation,
      identity: (sub) =>
        sub === this.registrar.id
          ? { role: this.registrar.role, primaryOfficeId: this.registrar.primaryOfficeId }
          : {}
    })
    void app.register(async (scope) => {
      // Parse JSON here so a malformed body becomes tRPC's PARSE_ERROR, not a generic 400.
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'string' },
        (request, body, done) => {
          const text = body as string
          request.rawBody = text
          if (text.length === 0) return done(null, undefined)
          try {
            done(null, JSON.parse(text))
          } catch (error) {
            done(null, new MalformedJsonBody(error instanceof Error ? error.message : 'bad JSON'))
          }
        }
      )
      scope.route({
        method: ['GET', 'POST'],
        url: '/events/*',
        config: { service: OPENCRVS_GATEWAY_SERVICE },
        handler: async (request, reply) => {
          const context = await authenticateAtGateway(request, reply, {
            tokens: this.tokens,
            checkInvalidToken: () => this.checkInvalidToken
          })
          if (!context) return reply
          // Fastify has already percent-decoded the wildcard.
          const path = (request.params as Record<string, string>)['*'] ?? ''
          const queryAt = request.url.indexOf('?')
          const search = queryAt >= 0 ? request.url.slice(queryAt) : ''
          // The events server hands a request to tRPC only for these; the rest is REST/OpenAPI.
          if (!search.startsWith('?batch') && !search.startsWith('?input') && !router.has(path)) {
            return reply.status(404).send({ message: 'Not found', code: 'NOT_FOUND' })
          }
          await handleTrpcRequest(request, reply, path, {
            router,
            context,
            production,
            beforeCall: (callPath) => this.injectFailure(callPath)
          })
          return reply
        }
      })
    })
    registerOpencrvsControlApi(app, this)
    app.setNotFoundHandler(async (_request, reply) =>
      reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'Not Found' })
    )
  }

  private injectFailure(path: string): void {
    const failure = this.failures.find((f) => {
      if (f.times <= 0) return false
      if (f.procedure === undefined) return path.endsWith('.accept')
      return typeof f.procedure === 'string' ? f.procedure === path : f.procedure.test(path)
    })
    if (!failure) return
    failure.times--
    throw new TrpcError(failure.code, failure.message)
  }

  // ── URLs ────────────────────────────────────────────────────────────────────────────────

  get url(): string {
    return this.server.url
  }
  /** `OPENCRVS_AUTH_URL`: `/token` and `/.well-known` live here. */
  get authUrl(): string {
    return this.server.url
  }
  /** `OPENCRVS_GATEWAY_URL` (no path, so `new URL('events', gatewayUrl)` works). */
  get gatewayUrl(): string {
    return this.server.url
  }
  /** `OPENCRVS_PUBLIC_KEY_URL`. */
  get publicKeyUrl(): string {
    return `${this.server.url}/.well-known`
  }
  /** The tRPC base URL the toolkit client uses. */
  get eventsUrl(): string {
    return `${this.server.url}/events`
  }
  get publicKeyPem(): string {
    return this.tokens.publicKeyPem
  }

  setCountryConfigUrl(url: string | undefined): void {
    this.countryConfig = url
  }

  // ── Events and the action-confirmation trigger ──────────────────────────────────────────

  /**
   * A declared event: CREATE, ASSIGN (to the registrar) and DECLARE with `declaration` (plus
   * VALIDATE in v1.9), all Accepted, as if the declaration had been completed earlier.
   */
  createEvent(input: {
    type: string
    declaration?: OpencrvsDeclaration
    trackingId?: string
  }): OpencrvsEventDocument {
    const event = this.store.create(input.type, input.trackingId)
    const by = createdBy({
      claims: { sub: this.registrar.id, userType: 'user' },
      role: this.registrar.role,
      primaryOfficeId: this.registrar.primaryOfficeId
    })
    this.store.appendSimple(event, 'CREATE', by)
    this.store.appendSimple(event, 'ASSIGN', by, { assignedTo: this.registrar.id })
    this.store.appendSimple(event, 'DECLARE', by, {
      declaration: structuredClone(input.declaration ?? {}),
      annotation: {}
    })
    if (this.version === 'v1.9') this.store.appendSimple(event, 'VALIDATE', by, { annotation: {} })
    return structuredClone(event)
  }

  /** The registrar registers: REGISTER Requested, action token, trigger, core's mapping. */
  async register(
    eventId: string,
    options?: ActionRequestOptions & { autoAssign?: boolean }
  ): Promise<OpencrvsTriggerResult> {
    return this.requestAction(eventId, 'REGISTER', options)
  }

  /**
   * The registrar requests any confirmable action (REGISTER, REQUEST_CORRECTION,
   * APPROVE_CORRECTION with `requestId`…). Assigns the registrar first when nobody is assigned
   * (unless `autoAssign: false`). Throws a CONFLICT when the registrar is not assigned or the
   * action is not available (e.g. while another action is pending).
   */
  async requestAction(
    eventId: string,
    type: OpencrvsActionType,
    options: ActionRequestOptions & { autoAssign?: boolean } = {}
  ): Promise<OpencrvsTriggerResult> {
    const event = this.store.find(eventId)
    if (!event) throw new TrpcError('NOT_FOUND', `Event not found with ID: ${eventId}`)
    const requester = {
      claims: {
        sub: this.registrar.id,
        scope: [...this.registrar.scopes],
        userType: 'user' as const
      },
      role: this.registrar.role,
      primaryOfficeId: this.registrar.primaryOfficeId
    }
    const notAllowed = actionNotAllowedReason(event, type)
    if (notAllowed) throw new TrpcError('CONFLICT', notAllowed)
    if (options.autoAssign !== false && assignedUser(event) === undefined) {
      this.store.appendSimple(event, 'ASSIGN', createdBy(requester), {
        assignedTo: this.registrar.id
      })
    }
    if (assignedUser(event) !== this.registrar.id) {
      throw new TrpcError('CONFLICT', 'You are not assigned to this event')
    }
    return this.confirmation.request(event, type, requester, options)
  }

  /** Assigns the record (an Accepted ASSIGN), to the registrar by default. */
  assign(eventId: string, userId = this.registrar.id): OpencrvsEventDocument {
    const event = this.store.find(eventId)
    if (!event) throw new TrpcError('NOT_FOUND', `Event not found with ID: ${eventId}`)
    this.store.appendSimple(
      event,
      'ASSIGN',
      createdBy({ claims: { sub: userId, userType: 'user' } }),
      {
        assignedTo: userId
      }
    )
    return structuredClone(event)
  }

  getEvent(eventId: string): OpencrvsEventDocument | undefined {
    return this.store.snapshot(eventId)
  }

  listEvents(): OpencrvsEventDocument[] {
    return this.store.list()
  }

  getAction(eventId: string, actionId: string): OpencrvsActionDocument | undefined {
    const action = this.store.find(eventId)?.actions.find((a) => a.id === actionId)
    return action ? structuredClone(action) : undefined
  }

  /** Every action with its own and its effective status. */
  actionStates(eventId: string): OpencrvsActionState[] {
    const event = this.store.find(eventId)
    if (!event) return []
    return event.actions.map((action) => ({
      id: action.id,
      type: action.type,
      status: action.status,
      ...(action.originalActionId ? { originalActionId: action.originalActionId } : {}),
      effectiveStatus: effectiveStatus(event.actions, action)
    }))
  }

  /** Requested, Accepted or Rejected as the action stands (its confirmation's status if any). */
  actionStatus(eventId: string, actionId: string): OpencrvsActionStatus | undefined {
    const event = this.store.find(eventId)
    const action = event?.actions.find((a) => a.id === actionId)
    return event && action ? effectiveStatus(event.actions, action) : undefined
  }

  /** Requested actions without a confirmation (what `getPendingAction` looks at). */
  pendingActions(eventId: string): OpencrvsActionDocument[] {
    const event = this.store.find(eventId)
    return event ? structuredClone(pendingActions(event.actions)) : []
  }

  /** The event's flags as core derives them: `register:requested`, `register:rejected`… */
  flags(eventId: string): string[] {
    const event = this.store.find(eventId)
    return event ? actionStatusFlags(event) : []
  }

  /** Frozen for users while an action waits for confirmation. */
  isLocked(eventId: string): boolean {
    const event = this.store.find(eventId)
    return event ? isLocked(event) : false
  }

  assignedTo(eventId: string): string | undefined {
    const event = this.store.find(eventId)
    return event ? assignedUser(event) : undefined
  }

  /** `aggregateActionDeclarations` of the event (Accepted actions only). */
  declarationOf(eventId: string): OpencrvsDeclaration {
    const event = this.store.find(eventId)
    return event ? aggregateActionDeclarations(event, this.version) : {}
  }

  /** Trigger calls made to the country configuration, oldest first. */
  triggers(): OpencrvsTriggerCall[] {
    return structuredClone(this.triggerLog)
  }

  /** Resolves with the event once `predicate` holds (checked on every change). */
  waitForEvent(
    eventId: string,
    predicate: (event: OpencrvsEventDocument) => boolean,
    options: WaitOptions = {}
  ): Promise<OpencrvsEventDocument> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const event = this.store.snapshot(eventId)
        if (event && predicate(event)) {
          resolve(event)
          return true
        }
        return false
      }
      if (check()) return
      const off = this.store.onChange(eventId, () => {
        if (check()) {
          off()
          clearTimeout(timer)
        }
      })
      const timeoutMs = options.timeoutMs ?? 5000
      const timer = setTimeout(() => {
        off()
        reject(
          new Error(
            `event ${eventId} did not reach the expected state within ${timeoutMs} ms: ` +
              JSON.stringify(this.actionStates(eventId))
          )
        )
      }, timeoutMs)
    })
  }

  /** Resolves with the first action for which `predicate` holds. */
  async waitForAction(
    eventId: string,
    predicate: (action: OpencrvsActionDocument, event: OpencrvsEventDocument) => boolean,
    options: WaitOptions = {}
  ): Promise<OpencrvsActionDocument> {
    const event = await this.waitForEvent(
      eventId,
      (e) => e.actions.some((action) => predicate(action, e)),
      options
    )
    const found = event.actions.find((action) => predicate(action, event))
    if (!found) throw new Error('unreachable: the predicate held a moment ago')
    return found
  }

  /** Resolves with the confirmation once `actionId` is Accepted or Rejected (optionally `status`). */
  waitForConfirmation(
    eventId: string,
    actionId: string,
    status?: 'Accepted' | 'Rejected',
    options?: WaitOptions
  ): Promise<OpencrvsActionDocument> {
    return this.waitForAction(
      eventId,
      (action) =>
        action.originalActionId === actionId &&
        (status === undefined
          ? action.status === 'Accepted' || action.status === 'Rejected'
          : action.status === status),
      options
    )
  }

  // ── Tokens ─────────────────────────────────────────────────────────────────────────────

  /** A user token (the registrar by default), as the login flow would give it. */
  issueUserToken(
    options: { userId?: string; scopes?: string[]; lifetimeSeconds?: number } = {}
  ): Promise<string> {
    return this.tokens.sign(
      {
        scope: options.scopes ?? [...this.registrar.scopes],
        userType: 'user',
        sub: options.userId ?? this.registrar.id,
        aud: this.tokens.userAudiences
      },
      options.lifetimeSeconds ?? this.tokens.lifetimes.user
    )
  }

  /** What client_credentials returns for a configured client (the first by default). */
  issueSystemToken(clientId?: string): Promise<string> {
    const client = clientId
      ? this.systemClients.find((c) => c.clientId === clientId)
      : this.systemClients[0]
    if (!client) throw new Error(`unknown system client ${clientId ?? '(none configured)'}`)
    return this.tokens.sign(
      {
        scope: [...client.scopes],
        userType: 'system',
        sub: client.id,
        aud: this.tokens.userAudiences
      },
      this.tokens.lifetimes.system
    )
  }

  /** An action-bound token, as core mints it for a trigger (subject: the registrar). */
  issueActionToken(input: {
    eventId: string
    actionId: string
    subject?: Pick<OpencrvsTokenClaims, 'sub' | 'scope' | 'userType'>
  }): Promise<string> {
    return this.tokens.signActionToken(
      input.subject ?? { sub: this.registrar.id, scope: this.registrar.scopes, userType: 'user' },
      input.eventId,
      input.actionId
    )
  }

  /**
   * Signs arbitrary claims with the auth service's key (`iss`, `iat`, `exp` filled in unless
   * given), e.g. a token of another version's shape.
   */
  signToken(draft: TokenDraft, lifetimeSeconds = 3600): Promise<string> {
    return this.tokens.sign(draft, lifetimeSeconds)
  }

  // ── Faults ─────────────────────────────────────────────────────────────────────────────

  /** Every token issued so far is refused as expired from now on. */
  expireTokens(): void {
    this.tokens.expireAll()
  }

  expireToken(token: string): void {
    this.tokens.expire(token)
  }

  /** Invalidates a token; the gateway refuses it when `checkInvalidToken` is on. */
  invalidateToken(token: string): void {
    this.tokens.invalidate(token)
  }

  setCheckInvalidToken(enabled: boolean): void {
    this.checkInvalidToken = enabled
  }

  /** A redeploy with new keys: earlier tokens fail the signature check. */
  rotateKeys(): void {
    this.tokens.rotateKeys()
  }

  /** Moves the simulator's clock (token `iat`/`exp` and their checks, action timestamps). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms
  }

  /** The next `times` calls of a procedure (default: any `.accept`) fail with a tRPC error. */
  failProcedure(failure: ProcedureFailure): void {
    this.failures.push({ ...failure, times: failure.times ?? 1 })
  }

  clearProcedureFailures(): void {
    this.failures.length = 0
  }

  /** Latency, error rate or outage of `opencrvs-auth` or `opencrvs-gateway`. */
  setFaults(service: string, settings: Partial<FaultSettings>): FaultSettings {
    return this.server.setFaults(service, settings)
  }

  clearFaults(): void {
    this.server.clearFaults()
    this.clearProcedureFailures()
  }

  /** Whole-server outage: connections are refused until `comeUp()`. */
  goDown(): Promise<void> {
    return this.server.goDown()
  }

  comeUp(): Promise<void> {
    return this.server.comeUp()
  }

  requests(service?: string): RecordedRequest[] {
    return this.server.requests(service)
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.server.listen(port, host)
  }

  async close(): Promise<void> {
    this.closing.abort()
    await this.server.close()
  }
}

/** Builds an OpenCRVS simulator and starts listening (port 0 by default). */
export async function createOpencrvsSimulator(
  options: OpencrvsSimulatorOptions = {}
): Promise<OpencrvsSimulator> {
  const simulator = new OpencrvsSimulator(options)
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return simulator
}
