/**
 * What the hub does after answering 202 to a subscribe or unsubscribe: validation (the kafkaHub's
 * `onSubscriptionValidation` / `onUnsubscriptionValidation`), then either a denial
 * (`GET <callback>?hub.mode=denied&hub.reason=…`) or intent verification
 * (`GET <callback>?hub.mode=…&hub.challenge=…`, values not URL-encoded). Only the answer's body is
 * compared with the challenge, not its status. A verified intent changes the subscriber list,
 * which makes the hub reload it.
 */
import { randomUUID } from 'node:crypto'
import type { HubFaults } from './hub-faults.js'
import type { HubLifecycle } from './hub-lifecycle.js'
import type { HubRecords } from './hub-records.js'
import type { HubSettings } from './hub-settings.js'
import { send, type HttpOutcome } from './outbound-http.js'
import type { Intent, SubscriptionRegistry } from './subscription-registry.js'
import type { TopicLogs } from './topic-log.js'
import { hubQueryString } from './wire.js'

const DEFAULT_DENY_REASON = 'Subscription denied by the hub'

interface IntentVerificationParts {
  settings: HubSettings
  lifecycle: HubLifecycle
  topics: TopicLogs
  registry: SubscriptionRegistry
  faults: HubFaults
  records: HubRecords
  /** Runs after a verified intent changed the subscriber list. */
  reloadSubscribers: () => void
}

export class IntentVerification {
  private readonly parts: IntentVerificationParts

  constructor(parts: IntentVerificationParts) {
    this.parts = parts
  }

  /** Validates an accepted intent, then denies or verifies it with the subscriber. */
  async process(intent: Intent): Promise<void> {
    const { settings, lifecycle, registry, records } = this.parts
    registry.addPending(intent)
    try {
      if (!(await lifecycle.delay(settings.verificationDelayMs))) return
      const reason = this.validate(intent)
      if (reason !== undefined) {
        const outcome = await this.notify(intent.callback, [
          ['hub.mode', 'denied'],
          ['hub.topic', intent.topic],
          ['hub.reason', reason]
        ])
        if (lifecycle.closed) return
        records.recordVerification(intent, 'denied', {
          reason,
          status: outcome.kind === 'response' ? outcome.status : undefined
        })
        return
      }
      const challenge = randomUUID()
      const params: Array<[string, string]> = [
        ['hub.mode', intent.mode],
        ['hub.topic', intent.topic],
        ['hub.challenge', challenge]
      ]
      if (intent.mode === 'subscribe')
        params.push(['hub.lease_seconds', String(intent.leaseSeconds)])
      const outcome = await this.notify(intent.callback, params)
      if (lifecycle.closed) return
      if (outcome.kind === 'error') {
        records.recordVerification(intent, 'error', { reason: outcome.error })
        return
      }
      // Ballerina compares the body only: a 404 whose body is the challenge still verifies.
      if (outcome.body !== challenge) {
        records.recordVerification(intent, 'mismatch', { status: outcome.status })
        return
      }
      if (intent.mode === 'subscribe') {
        // A new consumer group starts at Kafka's `latest`: nothing published before is delivered.
        registry.persist(
          intent,
          settings.resubscribeSecret,
          () => this.parts.topics.ensure(intent.topic).messages.length
        )
      } else {
        registry.remove(intent)
      }
      records.recordVerification(intent, 'verified', { status: outcome.status })
      this.parts.reloadSubscribers()
    } finally {
      registry.removePending(intent)
    }
  }

  /** The reason to deny the intent, or undefined when it is valid. */
  private validate(intent: Intent): string | undefined {
    const { topics, registry, faults } = this.parts
    const deny = faults.take('deny', intent.topic, intent.callback)
    if (deny) return deny.reason ?? DEFAULT_DENY_REASON
    if (intent.mode === 'subscribe') {
      topics.ensure(intent.topic)
      if (registry.get(intent.topic, intent.callback)?.running)
        return 'Subscriber has already registered with the Hub'
      return undefined
    }
    if (!topics.get(intent.topic)?.registered)
      return `Topic [${intent.topic}] is not registered with the Hub`
    if (!registry.get(intent.topic, intent.callback)?.running)
      return `Could not find a valid subscriber for Topic [${intent.topic}] and Callback [${intent.callback}]`
    return undefined
  }

  /** GET `<callback>?…`; connection errors are retried, any HTTP answer is final. */
  private async notify(callback: string, params: Array<[string, string]>): Promise<HttpOutcome> {
    const { settings, lifecycle } = this.parts
    let url: URL
    try {
      url = new URL(callback)
    } catch {
      return { kind: 'error', error: `invalid hub.callback ${callback}`, code: 'EINVAL' }
    }
    const target = `${url.pathname}${url.search}${hubQueryString(url.search, params)}`
    for (let attempt = 0; ; attempt++) {
      const outcome = await send({
        method: 'GET',
        url,
        target,
        timeoutMs: settings.verificationTimeoutMs,
        signal: lifecycle.signal
      })
      if (outcome.kind === 'response' || outcome.code === 'EINVAL' || lifecycle.closed)
        return outcome
      const wait = settings.verificationRetryDelaysMs[attempt]
      if (wait === undefined || !(await lifecycle.delay(wait))) return outcome
    }
  }
}
