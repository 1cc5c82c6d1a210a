/**
 * OpenCRVS auth service `/token`: the integration's own system token (client_credentials, cached
 * until shortly before it expires) and the token exchange that turns it into an action-bound
 * token for one event and action (v1.9/v2.0; removed in 2.1).
 */
import { OPENCRVS_CODES, classifyOpencrvsAuth } from '../../core/opencrvs-outcome.js'
import type { Outcome } from '../../core/outcome.js'
import { joinUrl } from '../../core/join-url.js'
import type { ClientCredentials } from '../../config/index.js'
import type { Logger } from '../../observability/logger.js'
import { asOutcome, CachedValue, renewalTime, type Fetched } from '../cached-value.js'
import { exchange, type FetchLike } from '../http-exchange.js'
import { decodeExpiry } from './token-expiry.js'

const TOKEN_EXCHANGE = {
  grantType: 'urn:opencrvs:oauth:grant-type:token-exchange',
  subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token',
  requestedTokenType: 'urn:opencrvs:oauth:token-type:single_record_token'
} as const

interface OpencrvsAuthClientOptions {
  /** `OPENCRVS_AUTH_URL` (e.g. `http://auth:4040`); `/token` is appended. */
  authUrl: string
  client: ClientCredentials
  timeoutMs: number
  /** Renew the system token this long before it expires. */
  refreshMarginMs?: number
  /** How long to keep a system token whose expiry cannot be read. */
  fallbackTtlMs?: number
  clock?: () => number
  fetch?: FetchLike
  logger?: Pick<Logger, 'debug' | 'warn'>
}

/** `{authUrl}/token`, keeping any path on the auth URL (e.g. behind the gateway's `/auth`). */
export function tokenUrl(authUrl: string): URL {
  return joinUrl(authUrl, 'token')
}

export class OpencrvsAuthClient {
  private readonly url: URL
  private readonly client: ClientCredentials
  private readonly timeoutMs: number
  private readonly refreshMarginMs: number
  private readonly fallbackTtlMs: number
  private readonly clock: () => number
  private readonly fetchImpl: FetchLike
  private readonly logger: Pick<Logger, 'debug' | 'warn'> | undefined
  private readonly cached: CachedValue<string, Outcome<never>>
  private logins = 0

  constructor(options: OpencrvsAuthClientOptions) {
    this.url = tokenUrl(options.authUrl)
    this.client = options.client
    this.timeoutMs = options.timeoutMs
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000
    this.fallbackTtlMs = options.fallbackTtlMs ?? 60_000
    this.clock = options.clock ?? Date.now
    this.fetchImpl = options.fetch ?? fetch
    this.logger = options.logger
    this.cached = new CachedValue({ fetch: () => this.login(), clock: this.clock })
  }

  /** How many client_credentials requests were sent (for tests and metrics). */
  get loginCount(): number {
    return this.logins
  }

  /** The system token, from the cache while it has more than the refresh margin left. */
  async systemToken(): Promise<Outcome<string>> {
    return asOutcome(await this.cached.get())
  }

  /** Forgets the cached system token (OpenCRVS refused it). */
  invalidate(): void {
    this.cached.invalidate()
  }

  /**
   * Exchanges the system token for an action-bound token for (eventId, actionId). When the auth
   * service refuses the subject token, a fresh system token is fetched and the exchange tried
   * once more: the cached one may have been invalidated or signed with a rotated key.
   */
  async actionToken(eventId: string, actionId: string): Promise<Outcome<string>> {
    const first = await this.exchangeOnce(eventId, actionId)
    if (first.kind !== 'permanent' || first.code !== OPENCRVS_CODES.tokenExchangeRefused) {
      return first
    }
    this.logger?.debug('OpenCRVS refused the system token as subject token; logging in again')
    this.invalidate()
    return this.exchangeOnce(eventId, actionId)
  }

  private async exchangeOnce(eventId: string, actionId: string): Promise<Outcome<string>> {
    const subject = await this.systemToken()
    if (subject.kind !== 'ok') return subject
    return this.post({
      grant_type: TOKEN_EXCHANGE.grantType,
      subject_token: subject.value,
      subject_token_type: TOKEN_EXCHANGE.subjectTokenType,
      requested_token_type: TOKEN_EXCHANGE.requestedTokenType,
      event_id: eventId,
      action_id: actionId
    })
  }

  private async login(): Promise<Fetched<string, Outcome<never>>> {
    this.logins += 1
    const outcome = await this.post({
      grant_type: 'client_credentials',
      client_id: this.client.clientId,
      client_secret: this.client.clientSecret
    })
    if (outcome.kind !== 'ok') {
      this.logger?.warn(
        { code: outcome.code, reason: outcome.reason },
        'OpenCRVS client_credentials login failed'
      )
      return { ok: false, failure: outcome }
    }
    const now = this.clock()
    const expiresAt = decodeExpiry(outcome.value) ?? now + this.fallbackTtlMs
    return {
      ok: true,
      value: outcome.value,
      renewAt: renewalTime(now, expiresAt, this.refreshMarginMs)
    }
  }

  /**
   * POSTs the parameters both in the query string (OpenCRVS v1.9 reads only the query) and as
   * an `application/x-www-form-urlencoded` body (v2.0 reads either; OAuth clients expect a body).
   */
  private async post(params: Record<string, string>): Promise<Outcome<string>> {
    const encoded = new URLSearchParams(params).toString()
    const url = new URL(this.url)
    url.search = `?${encoded}`
    const answer = await exchange(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encoded,
      timeoutMs: this.timeoutMs,
      fetch: this.fetchImpl,
      call: {
        partner: 'opencrvs_auth',
        operation:
          params.grant_type === 'client_credentials' ? 'client_credentials' : 'token_exchange'
      }
    })
    return classifyOpencrvsAuth(answer, this.clock())
  }
}
