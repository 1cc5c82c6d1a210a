/**
 * Which token the bridge calls OpenCRVS with to confirm a registration. Three strategies, one per
 * OpenCRVS model:
 *
 * - `stored-token` (v1.9/v2.0): the action-bound token core sent with the trigger, stored at
 *   intake. Works until it expires (7 days by default) or OpenCRVS's key changes.
 * - `token-exchange` (v1.9/v2.0 with a system client): client_credentials, then token exchange
 *   for the event and action: a fresh action-bound token every time.
 * - `system-client` (2.1): the client_credentials token itself, which holds
 *   `record.action.accept`/`record.action.reject`.
 */
import { decodeJwt } from 'jose'
import { OPENCRVS_CODES } from '../../core/opencrvs-outcome.js'
import { ok, permanent, type Outcome } from '../../core/outcome.js'
import type { OpencrvsTokenSource } from '../../core/ports.js'
import type { ClientCredentials } from '../../config/index.js'
import type { Logger } from '../../observability/logger.js'
import { OpencrvsAuthClient } from './auth.client.js'
import type { FetchLike } from '../http-exchange.js'

type TokenContext = Parameters<OpencrvsTokenSource['tokenFor']>[0]

type TokenMode = 'stored-token' | 'token-exchange' | 'system-client'

interface StoredActionTokenSourceOptions {
  clock?: () => number
  /** A token with less than this left is treated as expired (it could expire in flight). */
  minRemainingMs?: number
}

/** The action-bound token stored at intake. */
export class StoredActionTokenSource implements OpencrvsTokenSource {
  private readonly clock: () => number
  private readonly minRemainingMs: number

  constructor(options: StoredActionTokenSourceOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.minRemainingMs = options.minRemainingMs ?? 10_000
  }

  async tokenFor(context: TokenContext): Promise<Outcome<string>> {
    const token = context.storedToken
    if (!token) {
      return permanent(
        OPENCRVS_CODES.tokenMissing,
        `no stored OpenCRVS token for event ${context.eventId}`
      )
    }
    let exp: unknown
    try {
      exp = decodeJwt(token).exp
    } catch {
      return permanent(
        OPENCRVS_CODES.tokenUnreadable,
        `the stored OpenCRVS token for event ${context.eventId} is not a JWT`
      )
    }
    if (typeof exp === 'number' && exp * 1000 - this.minRemainingMs <= this.clock()) {
      return permanent(
        OPENCRVS_CODES.tokenExpired,
        `the stored OpenCRVS token for event ${context.eventId} expired at ${new Date(exp * 1000).toISOString()}`
      )
    }
    return ok(token)
  }
}

/**
 * client_credentials + token exchange. Without an `actionId` there is nothing to bind a token to,
 * so the system token itself is returned (enough for `event.get` when the client holds
 * `record.read`, to find the pending action and then ask again with its id).
 */
export class ExchangedTokenSource implements OpencrvsTokenSource {
  constructor(private readonly auth: OpencrvsAuthClient) {}

  async tokenFor(context: TokenContext): Promise<Outcome<string>> {
    if (context.actionId === null) return this.auth.systemToken()
    return this.auth.actionToken(context.eventId, context.actionId)
  }
}

/** 2.1: the integration's system token, used as is. */
export class SystemClientTokenSource implements OpencrvsTokenSource {
  constructor(private readonly auth: OpencrvsAuthClient) {}

  async tokenFor(_context: TokenContext): Promise<Outcome<string>> {
    return this.auth.systemToken()
  }
}

interface TokenSourceDependencies {
  /** Required for `token-exchange` and `system-client`. */
  authUrl?: string
  /** Required for `token-exchange` and `system-client`. */
  systemClient?: ClientCredentials
  timeoutMs: number
  clock?: () => number
  fetch?: FetchLike
  logger?: Pick<Logger, 'debug' | 'warn'>
}

/** Builds the strategy for `mode`; throws when the mode needs a system client that is missing. */
export function createTokenSource(
  mode: TokenMode,
  dependencies: TokenSourceDependencies
): OpencrvsTokenSource {
  if (mode === 'stored-token') {
    return new StoredActionTokenSource(dependencies.clock ? { clock: dependencies.clock } : {})
  }
  const { authUrl, systemClient } = dependencies
  if (!authUrl || !systemClient) {
    const error = new Error(
      `OpenCRVS token mode ${mode} needs OPENCRVS_AUTH_URL, OPENCRVS_CLIENT_ID and OPENCRVS_CLIENT_SECRET`
    )
    throw Object.assign(error, { code: 'OPENCRVS_TOKEN_MODE_UNCONFIGURED' })
  }
  const auth = new OpencrvsAuthClient({
    authUrl,
    client: systemClient,
    timeoutMs: dependencies.timeoutMs,
    ...(dependencies.clock ? { clock: dependencies.clock } : {}),
    ...(dependencies.fetch ? { fetch: dependencies.fetch } : {}),
    ...(dependencies.logger ? { logger: dependencies.logger } : {})
  })
  return mode === 'token-exchange'
    ? new ExchangedTokenSource(auth)
    : new SystemClientTokenSource(auth)
}
