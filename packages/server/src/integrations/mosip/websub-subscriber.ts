import { MOSIP_AUTH_COOKIE } from '@mosip-bridge/contracts'
import { classifyMosip } from '../../core/mosip-outcome.js'
import { ok, type HttpExchange, type Outcome } from '../../core/outcome.js'
import { backoffDelay } from '../../core/retry-policy.js'
import type { Logger } from '../../observability/logger.js'
import type { MosipTokenSource } from './auth-token.js'
import { exchange, type ExchangeResult } from '../http-exchange.js'

interface WebsubSubscriberOptions {
  /** MOSIP WebSub hub (MOSIP_WEBSUB_HUB_URL). */
  hubUrl: string
  /** `hub.topic`, in real deployments `<partnerId>/CREDENTIAL_ISSUED`. */
  topic: string
  /** `hub.callback`: the bridge's public `/websub/callback`. */
  callbackUrl: string
  /** `hub.secret`: the hub signs deliveries with it. */
  secret: string
  /** Tokens of the WebSub client (MOSIP_WEBSUB_AUTH_CLIENT_*), not the packet client. */
  tokens: MosipTokenSource
  /** Re-subscription period; default 6 h. */
  intervalMs?: number
  /** First delay after a failed attempt, doubled (with jitter) per failure; default 30 s. */
  retryDelayMs?: number
  /** Cap of the retry delay; default 10 min (never more than `intervalMs`). */
  maxRetryDelayMs?: number
  /** Timeout of one hub call; default 15 s. */
  timeoutMs?: number
  logger: Logger
  /** Called after every subscription request the hub accepted. */
  onSubscribed?: () => void
  clock?: () => number
  random?: () => number
}

interface WebsubSubscriptionStatus {
  /** Whether the background loop runs (between `start()` and `stop()`). */
  running: boolean
  lastAttemptAt: Date | null
  /** Last time the hub accepted a subscription request (HTTP 2xx). */
  lastSuccessAt: Date | null
  /** Error of the last attempt; null when the last attempt succeeded or none was made. */
  lastError: { code: string; reason: string; at: Date } | null
  consecutiveFailures: number
  /** When the background loop tries next; null when stopped or an attempt is under way. */
  nextAttemptAt: Date | null
}

/** setTimeout fires at once for delays above this. */
const MAX_TIMER_MS = 2_147_483_647

/** Code given to hub answers of the form `hub.mode=denied&hub.reason=…`. */
const MOSIP_HUB_DENIED = 'MOSIP_HUB_DENIED'

type HubMode = 'subscribe' | 'unsubscribe'

/**
 * Keeps the bridge subscribed to the MOSIP WebSub hub.
 *
 * The request is the reference's (form `hub.mode`, `hub.topic`, `hub.callback`, `hub.secret`;
 * `Cookie: Authorization=<token>` and `Authorization: <token>`). A 2xx (the hub answers 202) means
 * the request was accepted; the hub then verifies the intent asynchronously through the callback
 * route. `start()` subscribes at once in the background, then again every `intervalMs`: the
 * MOSIP hub never expires leases, but re-subscribing revives a subscription the hub paused after
 * a failed delivery. While the hub or the auth manager is unavailable it retries with capped,
 * jittered backoff. Nothing here throws or rejects into the process: failures are logged (never
 * with the token or the secret) and kept in `status()`.
 */
export class WebsubSubscriber {
  readonly #hubUrl: string
  readonly #topic: string
  readonly #callbackUrl: string
  readonly #secret: string
  readonly #tokens: MosipTokenSource
  readonly #intervalMs: number
  readonly #retryDelayMs: number
  readonly #maxRetryDelayMs: number
  readonly #timeoutMs: number
  readonly #logger: Logger
  readonly #onSubscribed: (() => void) | undefined
  readonly #clock: () => number
  readonly #random: () => number

  #running = false
  /** Incremented by start() and stop(), so that a late timer or answer of an old run is ignored. */
  #generation = 0
  #timer: NodeJS.Timeout | undefined
  #nextAttemptAt: number | undefined
  #abort: AbortController | undefined

  #lastAttemptAt: number | undefined
  #lastSuccessAt: number | undefined
  #lastError: { code: string; reason: string; at: number } | undefined
  #consecutiveFailures = 0

  constructor(options: WebsubSubscriberOptions) {
    this.#hubUrl = options.hubUrl
    this.#topic = options.topic
    this.#callbackUrl = options.callbackUrl
    this.#secret = options.secret
    this.#tokens = options.tokens
    this.#intervalMs = clampDelay(options.intervalMs ?? 6 * 60 * 60 * 1000)
    this.#retryDelayMs = clampDelay(options.retryDelayMs ?? 30_000)
    this.#maxRetryDelayMs = Math.min(
      this.#intervalMs,
      Math.max(this.#retryDelayMs, clampDelay(options.maxRetryDelayMs ?? 10 * 60 * 1000))
    )
    this.#timeoutMs = options.timeoutMs ?? 15_000
    this.#logger = options.logger
    this.#onSubscribed = options.onSubscribed
    this.#clock = options.clock ?? Date.now
    this.#random = options.random ?? Math.random
  }

  /** Starts the background loop (idempotent): first attempt at once, without waiting for it. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#generation += 1
    this.#schedule(0, this.#generation)
  }

  /**
   * Stops the loop: clears the timer and aborts a hub request under way (a login under way ends
   * on its own; its result is ignored and nothing more is sent).
   */
  stop(): void {
    this.#running = false
    this.#generation += 1
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#nextAttemptAt = undefined
    this.#abort?.abort()
    this.#abort = undefined
  }

  /** One subscription request now (also used by the loop); recorded in `status()`. */
  async subscribeNow(): Promise<Outcome<void>> {
    const outcome = await this.#attempt(undefined)
    this.#log(outcome, undefined)
    return outcome
  }

  /** Asks the hub to remove the subscription (`hub.mode=unsubscribe`); not recorded in status. */
  async unsubscribeNow(): Promise<Outcome<void>> {
    const outcome = await this.#request('unsubscribe', undefined)
    const fields = { event: 'websub.unsubscribe', topic: this.#topic }
    if (outcome.kind === 'ok') {
      this.#logger.info(fields, 'WebSub hub accepted the unsubscription request')
    } else {
      this.#logger.warn(
        { ...fields, code: outcome.code, reason: outcome.reason },
        'WebSub unsubscription request failed'
      )
    }
    return outcome
  }

  status(): WebsubSubscriptionStatus {
    return {
      running: this.#running,
      lastAttemptAt: toDate(this.#lastAttemptAt),
      lastSuccessAt: toDate(this.#lastSuccessAt),
      lastError:
        this.#lastError === undefined
          ? null
          : {
              code: this.#lastError.code,
              reason: this.#lastError.reason,
              at: new Date(this.#lastError.at)
            },
      consecutiveFailures: this.#consecutiveFailures,
      nextAttemptAt: toDate(this.#nextAttemptAt)
    }
  }

  #schedule(delayMs: number, generation: number): void {
    clearTimeout(this.#timer)
    const delay = clampDelay(delayMs)
    this.#nextAttemptAt = this.#clock() + delay
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#cycle(generation).catch((error: unknown) => {
        // #cycle does not reject by design; should a bug make it, keep the loop alive.
        this.#logger.error(
          { event: 'websub.subscribe.loop-failed', err: error },
          'WebSub loop error'
        )
        if (this.#running && generation === this.#generation) {
          this.#schedule(this.#maxRetryDelayMs, generation)
        }
      })
    }, delay)
    // The loop alone must not keep the process alive (the HTTP server does that).
    this.#timer.unref()
  }

  async #cycle(generation: number): Promise<void> {
    if (!this.#running || generation !== this.#generation) return
    this.#nextAttemptAt = undefined
    const controller = new AbortController()
    this.#abort = controller
    const outcome = await this.#attempt(controller.signal)
    if (this.#abort === controller) this.#abort = undefined
    if (!this.#running || generation !== this.#generation) return
    const delay =
      outcome.kind === 'ok'
        ? this.#intervalMs
        : this.#retryDelay(outcome.kind === 'retry' ? outcome.afterMs : undefined)
    this.#log(outcome, delay)
    this.#schedule(delay, generation)
  }

  #retryDelay(afterMs: number | undefined): number {
    const backoff = backoffDelay(
      this.#consecutiveFailures,
      { baseMs: this.#retryDelayMs, maxMs: this.#maxRetryDelayMs },
      this.#random
    )
    return Math.min(Math.max(backoff, afterMs ?? 0), this.#maxRetryDelayMs)
  }

  /** Subscribes and records the result; never rejects. */
  async #attempt(signal: AbortSignal | undefined): Promise<Outcome<void>> {
    const startedAt = this.#clock()
    let outcome: Outcome<void>
    try {
      outcome = await this.#request('subscribe', signal)
    } catch (error) {
      // Nothing below throws by design; this keeps a bug from becoming an unhandled rejection.
      outcome = {
        kind: 'retry',
        code: 'WEBSUB_SUBSCRIBE_BUG',
        reason: error instanceof Error ? error.message : String(error)
      }
    }
    if (signal?.aborted) return outcome // stopped: not a result worth recording
    this.#lastAttemptAt = startedAt
    if (outcome.kind === 'ok') {
      this.#lastSuccessAt = this.#clock()
      this.#lastError = undefined
      this.#consecutiveFailures = 0
      this.#notifySubscribed()
    } else {
      this.#lastError = { code: outcome.code, reason: outcome.reason, at: this.#clock() }
      this.#consecutiveFailures += 1
    }
    return outcome
  }

  /** One hub request with a WebSub token; a refused token gets one fresh login and one retry. */
  #request(mode: HubMode, signal: AbortSignal | undefined): Promise<Outcome<void>> {
    return this.#tokens.withToken(async (token) => {
      const answer = await this.#post(mode, token, signal)
      const outcome = classifyHubAnswer(answer, this.#clock())
      // A denial may be the hub rejecting this token (it only says "not authorized", in an HTTP
      // 500): log in again on the next attempt instead of reusing the token until it expires.
      if (outcome.kind !== 'ok' && outcome.code === MOSIP_HUB_DENIED) this.#tokens.invalidate(token)
      return outcome
    })
  }

  #post(mode: HubMode, token: string, signal: AbortSignal | undefined): Promise<ExchangeResult> {
    const form = new URLSearchParams()
    form.set('hub.mode', mode)
    form.set('hub.topic', this.#topic)
    form.set('hub.callback', this.#callbackUrl)
    if (mode === 'subscribe') form.set('hub.secret', this.#secret)
    return exchange(this.#hubUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: `${MOSIP_AUTH_COOKIE}=${token}`,
        Authorization: token
      },
      body: form.toString(),
      timeoutMs: this.#timeoutMs,
      call: { partner: 'websub', operation: mode },
      ...(signal ? { signal } : {})
    })
  }

  #notifySubscribed(): void {
    if (this.#onSubscribed === undefined) return
    try {
      this.#onSubscribed()
    } catch (error) {
      this.#logger.error(
        { event: 'websub.subscribe.callback-failed', err: error },
        'onSubscribed threw'
      )
    }
  }

  #log(outcome: Outcome<void>, nextInMs: number | undefined): void {
    const fields = {
      event: 'websub.subscribe',
      topic: this.#topic,
      ...(nextInMs === undefined ? {} : { nextAttemptInMs: nextInMs })
    }
    if (outcome.kind === 'ok') {
      this.#logger.info(fields, 'WebSub hub accepted the subscription request')
      return
    }
    this.#logger.warn(
      {
        ...fields,
        code: outcome.code,
        reason: outcome.reason,
        consecutiveFailures: this.#consecutiveFailures
      },
      'WebSub subscription request failed'
    )
  }
}

/**
 * The hub's answer → outcome, through `classifyMosip`. The hub speaks WebSub, not MOSIP's
 * envelope: a 2xx is the whole answer ("request accepted"; 202 with no body on the 1.2.0 hub,
 * `hub.mode=accepted` on newer ones), so it is presented to the classifier as a `response`.
 * A form-encoded denial (`hub.mode=denied&hub.reason=…`, sent with HTTP 500) keeps the
 * classifier's verdict under the code `MOSIP_HUB_DENIED`, with the hub's reason.
 */
export function classifyHubAnswer(answer: HttpExchange, now: number): Outcome<void> {
  const accepted = answer.status !== undefined && answer.status >= 200 && answer.status < 300
  const view: HttpExchange = accepted ? { ...answer, body: { response: 'accepted' } } : answer
  const outcome = classifyMosip(view, now, () => true)
  if (outcome.kind === 'ok') return ok(undefined)
  const denial = hubDenialReason(answer.body)
  if (denial === undefined) return outcome
  const reason = `${outcome.reason}; the hub denied the request: ${denial}`
  return { ...outcome, code: MOSIP_HUB_DENIED, reason }
}

function hubDenialReason(body: unknown): string | undefined {
  if (typeof body !== 'string' || !body.includes('hub.mode=')) return undefined
  const form = new URLSearchParams(body.trim())
  if (form.get('hub.mode') !== 'denied') return undefined
  const reason = form.get('hub.reason') ?? 'no reason given'
  return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason
}

function clampDelay(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_TIMER_MS)
}

function toDate(epochMs: number | undefined): Date | null {
  return epochMs === undefined ? null : new Date(epochMs)
}
