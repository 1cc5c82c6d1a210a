import { setTimeout as sleep } from 'node:timers/promises'
import type { Outcome } from '../core/outcome.js'
import type {
  WebsubCallback,
  WebsubIntent,
  WebsubIntentMode,
  WebsubIntentsRepository
} from '../store/websub-intents.repository.js'

/** One subscription of the bridge at the hub, and the client that sends its requests. */
export interface HubSubscription {
  /** `credential` or `workflow`, as operators name it. */
  name: string
  topic: string
  /** Which of the bridge's callbacks the requests name; default `main`. */
  callback?: WebsubCallback
  requests: {
    subscribeNow(): Promise<Outcome<void>>
    unsubscribeNow(): Promise<Outcome<void>>
  }
}

/** What reached the bridge's callback after the hub accepted a request. */
export type HubVerification =
  | { kind: 'confirmed'; afterMs: number }
  | { kind: 'denied'; reason: string }
  | { kind: 'timed-out'; afterMs: number }
  /** Not waited for (`--wait 0`); the intent stays pending until it expires. */
  | { kind: 'not-awaited'; expiresAt: number }

/** One request to the hub (the last one, when a subscription was asked again) and its outcome. */
export interface HubStep {
  mode: WebsubIntentMode
  callback: WebsubCallback
  /** Requests sent: a subscription is asked again after a denial or an outage while time remains. */
  attempts: number
  /** The hub's answer to the request itself. */
  request: { accepted: true } | { accepted: false; code: string; reason: string }
  /** Absent when the hub refused the request. */
  verification?: HubVerification
  /** The hub accepted and the bridge confirmed its verification (or it was not waited for). */
  done: boolean
}

interface SubscriptionChangeOptions {
  intents: Pick<WebsubIntentsRepository, 'request' | 'get' | 'withdraw'>
  /** Recorded with each intent, e.g. `cli:operator`. */
  requestedBy: string
  /** How long an intent not waited for stays valid; default 10 minutes. */
  intentTtlMs?: number
  /** Between two reads of a pending intent; default 250 ms. */
  pollMs?: number
  /** Before asking for a subscription again; default 2 s. */
  retryDelayMs?: number
  clock?: () => number
}

const DEFAULT_INTENT_TTL_MS = 10 * 60_000

/**
 * Changes the bridge's subscriptions at the MOSIP WebSub hub on an operator's request.
 *
 * The hub verifies every request by calling the bridge's callback, which the running bridge
 * answers, not this process. So each request is preceded by an intent in the database, which the
 * callback of any instance confirms (or on which it records the hub's denial), and this waits
 * for that. An intent whose verification did not come in time is withdrawn, so a late
 * unsubscription is refused rather than leaving the bridge unsubscribed with nobody to
 * subscribe it again.
 *
 * MOSIP's hub keeps the first `hub.secret` of a subscription, so a new secret takes an
 * unsubscription, verified, then a subscription, with the relay callback subscribed around them
 * (`resubscribe`). A subscription denied meanwhile (the hub may not have dropped the old one
 * yet) is asked again until the wait ends.
 */
export class WebsubSubscriptionChange {
  readonly #intents: SubscriptionChangeOptions['intents']
  readonly #requestedBy: string
  readonly #intentTtlMs: number
  readonly #pollMs: number
  readonly #retryDelayMs: number
  readonly #clock: () => number

  constructor(options: SubscriptionChangeOptions) {
    this.#intents = options.intents
    this.#requestedBy = options.requestedBy
    this.#intentTtlMs = options.intentTtlMs ?? DEFAULT_INTENT_TTL_MS
    this.#pollMs = options.pollMs ?? 250
    this.#retryDelayMs = options.retryDelayMs ?? 2_000
    this.#clock = options.clock ?? Date.now
  }

  /** Asks the hub to drop the subscription; with `waitMs` > 0, waits for its verification. */
  async unsubscribe(target: HubSubscription, waitMs: number): Promise<HubStep> {
    const deadline = this.#clock() + waitMs
    const callback = target.callback ?? 'main'
    const intent = await this.#record('unsubscribe', target, waitMs)
    const outcome = await target.requests.unsubscribeNow()
    if (outcome.kind !== 'ok') {
      await this.#intents.withdraw(intent.id)
      return refused('unsubscribe', callback, 1, outcome)
    }
    const verification = await this.#verification(intent, waitMs, deadline)
    return accepted('unsubscribe', callback, 1, verification)
  }

  /**
   * Moves the subscription `main` to the secret its requests now send, without a moment when
   * the hub delivers nothing: MOSIP's hub starts a new subscription at the newest message, so a
   * credential published between an unsubscription and the next subscription would be lost.
   * `relay` (the same topic on the relay callback, with the new secret) is subscribed first,
   * then `main` is unsubscribed and subscribed again, both are kept for `overlapMs` (the hub
   * polls its topics every few seconds; deliveries that come twice are recognised by their event
   * id), and the relay is dropped. Stops at the first step that does not go through: the steps
   * so far say what stands.
   */
  async resubscribe(
    main: HubSubscription,
    relay: HubSubscription,
    waitMs: number,
    overlapMs: number
  ): Promise<HubStep[]> {
    const relayed = { ...relay, callback: 'relay' as const }
    const steps = [await this.subscribe(relayed, waitMs)]
    if (!steps[0]!.done) return steps
    const unsubscribed = await this.unsubscribe(main, waitMs)
    steps.push(unsubscribed)
    if (!unsubscribed.done) {
      // The main subscription stands as it was: the relay is not needed.
      steps.push(await this.unsubscribe(relayed, waitMs))
      return steps
    }
    const subscribed = await this.subscribe(main, waitMs)
    steps.push(subscribed)
    // Without the main subscription the relay is what delivers: it stays until an operator
    // subscribes the main callback again.
    if (!subscribed.done) return steps
    if (overlapMs > 0) await sleep(overlapMs)
    steps.push(await this.unsubscribe(relayed, waitMs))
    return steps
  }

  /**
   * Asks the hub for the subscription, with the secret `target.requests` sends; with `waitMs`
   * > 0, waits for its verification, asking again after a denial or a hub outage while time
   * remains.
   */
  async subscribe(target: HubSubscription, waitMs: number): Promise<HubStep> {
    const deadline = this.#clock() + waitMs
    const callback = target.callback ?? 'main'
    for (let attempt = 1; ; attempt++) {
      const intent = await this.#record('subscribe', target, waitMs)
      const outcome = await target.requests.subscribeNow()
      const again = this.#clock() + this.#retryDelayMs < deadline
      if (outcome.kind !== 'ok') {
        await this.#intents.withdraw(intent.id)
        if (outcome.kind === 'retry' && again) {
          await sleep(this.#retryDelayMs)
          continue
        }
        return refused('subscribe', callback, attempt, outcome)
      }
      const verification = await this.#verification(intent, waitMs, deadline)
      if (verification.kind === 'denied' && this.#clock() + this.#retryDelayMs < deadline) {
        await sleep(this.#retryDelayMs)
        continue
      }
      return accepted('subscribe', callback, attempt, verification)
    }
  }

  #record(mode: WebsubIntentMode, target: HubSubscription, waitMs: number): Promise<WebsubIntent> {
    return this.#intents.request({
      mode,
      topic: target.topic,
      callback: target.callback ?? 'main',
      requestedBy: this.#requestedBy,
      // Valid a little past the wait, so the last read before giving up can still find it confirmed.
      ttlMs: Math.max(this.#intentTtlMs, waitMs + 60_000)
    })
  }

  async #verification(
    intent: WebsubIntent,
    waitMs: number,
    deadline: number
  ): Promise<HubVerification> {
    if (waitMs <= 0) return { kind: 'not-awaited', expiresAt: intent.expiresAt }
    for (;;) {
      const now = this.#clock()
      const current =
        now >= deadline
          ? await this.#intents.withdraw(intent.id)
          : await this.#intents.get(intent.id)
      if (current?.confirmedAt != null) {
        return { kind: 'confirmed', afterMs: current.confirmedAt - intent.requestedAt }
      }
      if (current?.deniedAt != null) {
        return { kind: 'denied', reason: current.denialReason ?? 'no reason given' }
      }
      if (now >= deadline || current === undefined) {
        return { kind: 'timed-out', afterMs: now - intent.requestedAt }
      }
      await sleep(Math.min(this.#pollMs, deadline - now))
    }
  }
}

function refused(
  mode: WebsubIntentMode,
  callback: WebsubCallback,
  attempts: number,
  outcome: Exclude<Outcome<void>, { kind: 'ok' }>
): HubStep {
  return {
    mode,
    callback,
    attempts,
    request: { accepted: false, code: outcome.code, reason: outcome.reason },
    done: false
  }
}

function accepted(
  mode: WebsubIntentMode,
  callback: WebsubCallback,
  attempts: number,
  verification: HubVerification
): HubStep {
  return {
    mode,
    callback,
    attempts,
    request: { accepted: true },
    verification,
    done: verification.kind === 'confirmed' || verification.kind === 'not-awaited'
  }
}
