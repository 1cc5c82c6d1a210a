import { MOSIP_AUTH_COOKIE } from '@mosip-bridge/contracts'
import type { DependencyState } from '../../core/dependency-state.js'
import { classifyMosip } from '../../core/mosip-outcome.js'
import { classifyTransport, ok, retry, type Outcome } from '../../core/outcome.js'
import { buildAuthEnvelope, mosipRequestTime } from '../../core/packet-envelope.js'
import { asOutcome, CachedValue, renewalTime, type Fetched } from '../cached-value.js'
import { exchange, type ExchangeResult } from '../http-exchange.js'

interface MosipTokenSourceOptions {
  /** Auth manager `…/v1/authmanager/authenticate/clientidsecretkey`. */
  authUrl: string
  clientId: string
  secretKey: string
  /** Picks the Keycloak realm (`admin`, `ida`, `regproc`, ...). */
  appId: string
  /** Timeout of one login call; default 15 s. */
  timeoutMs?: number
  /** A token is renewed this long before it expires; default 60 s. */
  refreshMarginMs?: number
  /** How long a token without a readable `exp` is reused; default 60 s. */
  fallbackTtlMs?: number
  clock?: () => number
}

/** Code of a login that MOSIP answered but refused (wrong credentials, no token, ...). */
const MOSIP_LOGIN_REFUSED = 'MOSIP_LOGIN_REFUSED'

/** The code `classifyMosip` gives to answers that refuse our token. */
const MOSIP_AUTH_REJECTED = 'MOSIP_AUTH_REJECTED'

function isAuthRejection(outcome: Outcome<unknown>): boolean {
  return outcome.kind === 'retry' && outcome.code === MOSIP_AUTH_REJECTED
}

/**
 * MOSIP auth-manager tokens for one client (the packet client or the WebSub client).
 *
 * - Logs in with the reference's exact body and takes the token from the `Authorization` cookie,
 *   falling back to the `Authorization` response header.
 * - Reuses the token until `refreshMarginMs` before its `exp` (the JWT is decoded, not verified:
 *   it is MOSIP's token and only MOSIP checks it).
 * - Single-flights logins: any number of concurrent `token()` calls share one login.
 * - `invalidate(token)` forgets the cached token only if it is that token, so a burst of 401s
 *   seen by many jobs holding the same stale token leads to exactly one new login.
 * - Never throws; failures come back as `Outcome`s. A refused login is a `retry` with code
 *   `MOSIP_LOGIN_REFUSED`: a misconfigured secret must not turn citizens' registrations into
 *   permanent failures; the job waits (without using up its attempts) until the login works
 *   again or the registration's OpenCRVS token nears expiry.
 */
export class MosipTokenSource {
  readonly #authUrl: string
  readonly #credentials: { clientId: string; secretKey: string; appId: string }
  readonly #timeoutMs: number
  readonly #refreshMarginMs: number
  readonly #fallbackTtlMs: number
  readonly #clock: () => number
  readonly #cached: CachedValue<string, Outcome<never>>
  #logins = 0
  /** Outcome of the last login: ok, or its failure code. */
  #lastLogin: { ok: true } | { ok: false; code: string } | undefined

  constructor(options: MosipTokenSourceOptions) {
    this.#authUrl = options.authUrl
    this.#credentials = {
      clientId: options.clientId,
      secretKey: options.secretKey,
      appId: options.appId
    }
    this.#timeoutMs = options.timeoutMs ?? 15_000
    this.#refreshMarginMs = options.refreshMarginMs ?? 60_000
    this.#fallbackTtlMs = options.fallbackTtlMs ?? 60_000
    this.#clock = options.clock ?? Date.now
    this.#cached = new CachedValue({ fetch: () => this.#login(), clock: this.#clock })
  }

  /** Number of login calls made so far (for metrics and tests). */
  get logins(): number {
    return this.#logins
  }

  /** A usable token: the cached one while it is fresh, otherwise the result of one shared login. */
  async token(): Promise<Outcome<string>> {
    return asOutcome(await this.#cached.get())
  }

  /** Forgets `token` if it is the cached one (MOSIP refused it); a newer token is kept. */
  invalidate(token: string): void {
    this.#cached.invalidate(token)
  }

  /**
   * Runs `call` with a token. When MOSIP refuses that token (`MOSIP_AUTH_REJECTED`), the token
   * is invalidated and `call` runs once more with a fresh one; a second refusal is returned as
   * it is (a retry for the job to schedule), its token invalidated so that the next attempt
   * starts with a new login.
   */
  async withToken<T>(call: (token: string) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const first = await this.token()
    if (first.kind !== 'ok') return first
    const outcome = await call(first.value)
    if (!isAuthRejection(outcome)) return outcome
    this.invalidate(first.value)
    const second = await this.token()
    if (second.kind !== 'ok') return second
    const again = await call(second.value)
    if (isAuthRejection(again)) this.invalidate(second.value)
    return again
  }

  /** Whether the last login at MOSIP's auth manager worked (unknown before the first). */
  state(): DependencyState {
    if (this.#lastLogin === undefined) return { status: 'unknown', detail: 'no login yet' }
    return this.#lastLogin.ok ? { status: 'up' } : { status: 'down', detail: this.#lastLogin.code }
  }

  async #login(): Promise<Fetched<string, Outcome<never>>> {
    this.#logins += 1
    const sentAt = this.#clock()
    let answer: ExchangeResult
    try {
      answer = await exchange(this.#authUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(buildAuthEnvelope(this.#credentials, mosipRequestTime(sentAt))),
        timeoutMs: this.#timeoutMs,
        call: { partner: 'mosip_auth', operation: 'login' }
      })
    } catch (error) {
      // exchange does not throw; this only guards against a bug turning into a rejection.
      answer = { error }
    }
    const token = answer.headers === undefined ? undefined : extractAuthToken(answer.headers)
    const outcome = classifyLogin(answer, token, this.#clock(), this.#credentials.clientId)
    this.#lastLogin = outcome.kind === 'ok' ? { ok: true } : { ok: false, code: outcome.code }
    if (outcome.kind !== 'ok') return { ok: false, failure: outcome }
    return {
      ok: true,
      value: outcome.value,
      renewAt: tokenRefreshAt(outcome.value, sentAt, this.#refreshMarginMs, this.#fallbackTtlMs)
    }
  }
}

/**
 * A login answer → token outcome. MOSIP's own classification (`classifyMosip`) decides first;
 * then: a 2xx with a token and no `errors[]` is a success even without a `response` object
 * (the reference only checks the status and the cookie), and every answered-but-refused login
 * becomes `MOSIP_LOGIN_REFUSED`. No answer, 429 and 5xx keep their transport codes.
 */
function classifyLogin(
  answer: ExchangeResult,
  token: string | undefined,
  now: number,
  clientId: string
): Outcome<string> {
  const outcome = classifyMosip(answer, now, () => token)
  if (outcome.kind === 'ok') return outcome
  if (outcome.code === 'MOSIP_EMPTY_RESPONSE' && token !== undefined) return ok(token)
  if (classifyTransport(answer, 'MOSIP', now) !== undefined) return outcome
  const reason =
    outcome.code === 'MOSIP_EMPTY_RESPONSE'
      ? `HTTP ${answer.status ?? '?'} without an Authorization cookie or header`
      : outcome.reason
  return retry(MOSIP_LOGIN_REFUSED, `MOSIP auth manager refused client ${clientId}: ${reason}`)
}

/** Characters a token may not contain: it is sent back inside a Cookie header. */
const UNSAFE_TOKEN = /[\s;,"]/

/**
 * The auth-manager token from a login answer: the `Authorization` cookie among the Set-Cookie
 * headers (each parsed on its own: `name=value` before the first `;`, optional quotes removed),
 * else the plain `Authorization` response header (newer auth managers set both).
 */
export function extractAuthToken(headers: Headers): string | undefined {
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? ''
    const eq = pair.indexOf('=')
    if (eq < 0) continue
    if (pair.slice(0, eq).trim().toLowerCase() !== MOSIP_AUTH_COOKIE.toLowerCase()) continue
    let value = pair.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1)
    if (value !== '' && !UNSAFE_TOKEN.test(value)) return value
  }
  const header = headers
    .get('authorization')
    ?.trim()
    .replace(/^Bearer\s+/i, '')
  return header && !UNSAFE_TOKEN.test(header) ? header : undefined
}

/** The claims of a JWT, decoded without verification; undefined when it is not a JWT. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[1] === undefined) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * When a token obtained by a login sent at `sentAt` must be renewed (`renewalTime`: `marginMs`
 * before it expires, or halfway through a short lifetime). The lifetime is `exp - iat` when the
 * token has both (measured on MOSIP's clock, so a skew between the two clocks does not matter),
 * else `exp` against our clock. A token without `exp` is used for `fallbackTtlMs`; an already
 * expired one only by the callers of that login.
 */
export function tokenRefreshAt(
  token: string,
  sentAt: number,
  marginMs: number,
  fallbackTtlMs: number
): number {
  const claims = decodeJwtClaims(token)
  const exp = numericClaim(claims?.exp)
  const iat = numericClaim(claims?.iat)
  if (exp === undefined) return sentAt + fallbackTtlMs
  const lifetimeMs = iat !== undefined && exp > iat ? (exp - iat) * 1000 : exp * 1000 - sentAt
  return renewalTime(sentAt, sentAt + lifetimeMs, marginMs)
}

function numericClaim(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
