/**
 * OpenCRVS's JWT public key: the PEM text served by the auth service at `/.well-known` (no JWKS,
 * no JSON). Fetched with a timeout, checked (HTTP status and a key that actually imports) before
 * it is cached, and re-fetched at most once a minute when a token does not verify with the cached
 * key, since OpenCRVS may have rotated it.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import { OPENCRVS_AUTH_SYSTEM } from '../../core/opencrvs-outcome.js'
import { classifyTransport, ok, permanent, type Outcome } from '../../core/outcome.js'
import type { Logger } from '../../observability/logger.js'
import { asOutcome, CachedValue, type Fetched } from '../cached-value.js'
import { exchange, type ExchangeResult, type FetchLike } from '../http-exchange.js'

export interface OpencrvsKey {
  pem: string
  key: KeyObject
  /** When it was fetched (clock milliseconds). */
  fetchedAt: number
}

interface OpencrvsPublicKeyOptions {
  /** `OPENCRVS_PUBLIC_KEY_URL`, e.g. `http://auth:4040/.well-known`. */
  url: string
  timeoutMs?: number
  /** Minimum time between two refreshes triggered by failed verifications. */
  minRefreshIntervalMs?: number
  clock?: () => number
  fetch?: FetchLike
  logger?: Pick<Logger, 'info' | 'warn'>
}

const PUBLIC_KEY_CODES = {
  invalid: 'OPENCRVS_PUBLIC_KEY_INVALID',
  refused: 'OPENCRVS_PUBLIC_KEY_REFUSED'
} as const

const PEM_PATTERN = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/

export class OpencrvsPublicKey {
  private readonly url: string
  private readonly timeoutMs: number
  private readonly minRefreshIntervalMs: number
  private readonly clock: () => number
  private readonly fetchImpl: FetchLike
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined
  private readonly cached: CachedValue<OpencrvsKey, Outcome<never>>
  private lastRefreshAt: number | undefined
  private fetches = 0

  constructor(options: OpencrvsPublicKeyOptions) {
    this.url = options.url
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 60_000
    this.clock = options.clock ?? Date.now
    this.fetchImpl = options.fetch ?? fetch
    this.logger = options.logger
    this.cached = new CachedValue({ fetch: () => this.fetchKey(), clock: this.clock })
  }

  /** How many times the key was requested from OpenCRVS (for tests and metrics). */
  get fetchCount(): number {
    return this.fetches
  }

  /** The cached key, without fetching. */
  peek(): OpencrvsKey | undefined {
    return this.cached.peek()
  }

  /**
   * Fetches the key now and caches it when it is usable. A failure leaves any previously cached
   * key in place and never throws, so start-up can log it and try again later. Concurrent calls
   * share one request.
   */
  async load(): Promise<Outcome<OpencrvsKey>> {
    return asOutcome(await this.cached.load())
  }

  /** The cached key, fetching it first when there is none yet (e.g. start-up failed). */
  async get(): Promise<Outcome<OpencrvsKey>> {
    return asOutcome(await this.cached.get())
  }

  /**
   * Re-fetches the key unless a refresh already happened within the last minute. Resolves to
   * true when a key different from the one cached before the call is now cached: only then is
   * verifying again worthwhile.
   */
  async refreshIfStale(): Promise<boolean> {
    const before = this.cached.peek()?.pem
    const running = this.cached.inFlight
    if (running) {
      await running
      const after = this.cached.peek()
      return after !== undefined && after.pem !== before
    }
    const now = this.clock()
    if (this.lastRefreshAt !== undefined && now - this.lastRefreshAt < this.minRefreshIntervalMs) {
      return false
    }
    this.lastRefreshAt = now
    const outcome = await this.load()
    if (outcome.kind !== 'ok') return false
    const changed = outcome.value.pem !== before
    if (changed && before !== undefined) this.logger?.info('OpenCRVS public key changed')
    return changed
  }

  private async fetchKey(): Promise<Fetched<OpencrvsKey, Outcome<never>>> {
    this.fetches += 1
    const answer = await exchange(this.url, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
      fetch: this.fetchImpl,
      call: { partner: 'opencrvs', operation: 'public_key' }
    })
    const outcome = await this.interpret(answer)
    if (outcome.kind === 'ok') return { ok: true, value: outcome.value }
    this.logger?.warn(
      { code: outcome.code, reason: outcome.reason },
      'could not fetch the OpenCRVS public key'
    )
    return { ok: false, failure: outcome }
  }

  private async interpret(exchange: ExchangeResult) {
    const transport = classifyTransport(exchange, OPENCRVS_AUTH_SYSTEM, this.clock())
    if (transport) return transport
    const status = exchange.status as number
    if (status < 200 || status >= 300) {
      return permanent(
        PUBLIC_KEY_CODES.refused,
        `OpenCRVS public key endpoint answered HTTP ${status}`
      )
    }
    const pem = PEM_PATTERN.exec(exchange.text ?? '')?.[0]
    if (!pem) {
      return permanent(PUBLIC_KEY_CODES.invalid, 'OpenCRVS public key endpoint sent no PEM key')
    }
    try {
      const key = createPublicKey(pem)
      if (key.asymmetricKeyType !== 'rsa') {
        throw new Error(`a ${key.asymmetricKeyType ?? 'symmetric'} key`)
      }
      return ok<OpencrvsKey>({ pem, key, fetchedAt: this.clock() })
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      return permanent(
        PUBLIC_KEY_CODES.invalid,
        `OpenCRVS public key is not an RSA key (${detail})`
      )
    }
  }
}
